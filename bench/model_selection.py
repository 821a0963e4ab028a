"""Choose the pipeline's features and regularisation by grouped cross-validation.

    python -m bench.model_selection [--quick]

Each candidate is scored by grouped 5-fold cross-validation on the corpus (folds keep every
writer's batch on one side) and, trained on the whole corpus, on the separately written holdout
split. The grouped score decides; the holdout is a second opinion from texts about products the
corpus never mentions. Results are printed as a table and written to bench/MODEL_SELECTION.md.
"""

from __future__ import annotations

import argparse
import platform
import time
from dataclasses import replace
from pathlib import Path

import sklearn

from classifier.dataset import load_training_data
from classifier.evaluation import cross_validate, evaluate_model
from classifier.model import ModelParams
from classifier.training import TrainingConfig, fit
from service.bootstrap import holdout_if_present
from service.paths import data_dir as _data_dir

BASE = ModelParams(char_mode="char_wb", word_prefix=0)  # the designs compared before issue 7
CANDIDATES: dict[str, ModelParams] = {
    "word 1-2 + char_wb 1-4, C=10": replace(BASE, char_ngram_range=(1, 4), C=10.0),
    "word 1-2 + char_wb 1-4, C=30": replace(BASE, char_ngram_range=(1, 4), C=30.0),
    "word 1-2 + char_wb 1-3, C=10": replace(BASE, char_ngram_range=(1, 3), C=10.0),
    "word 1-2 + char_wb 1-3, C=30": replace(BASE, char_ngram_range=(1, 3), C=30.0),
    "word 1-2 + char_wb 1-3, C=100": replace(BASE, char_ngram_range=(1, 3), C=100.0),
    "word 1-2 + char_wb 2-4, C=30": replace(BASE, char_ngram_range=(2, 4), C=30.0),
    "word 1-2 + char_wb 1-5, C=30": replace(BASE, char_ngram_range=(1, 5), C=30.0),
    "word 1 + char_wb 1-3, C=30": replace(
        BASE, word_ngram_range=(1, 1), char_ngram_range=(1, 3), C=30.0
    ),
    "word 1-2 + char_wb 1-3, C=30, min_df=1": replace(
        BASE, char_ngram_range=(1, 3), C=30.0, min_df=1
    ),
    "word 1-2 + char_wb 1-3, C=30, no class weights": replace(
        BASE, char_ngram_range=(1, 3), C=30.0, class_weight=None
    ),
}
QUICK = ["word 1-2 + char_wb 1-4, C=10", "word 1-2 + char_wb 1-3, C=30"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="two candidates only")
    parser.add_argument("--output", default=str(Path(__file__).with_name("MODEL_SELECTION.md")))
    args = parser.parse_args()
    dataset = load_training_data(_data_dir().path)
    holdout = holdout_if_present(_data_dir().path)
    names = QUICK if args.quick else list(CANDIDATES)
    rows = []
    for name in names:
        params = CANDIDATES[name]
        started = time.perf_counter()
        report = cross_validate(dataset, params, folds=5, seed=0)
        seconds = time.perf_counter() - started
        model = fit(dataset, TrainingConfig(params=params, cv_folds=0))
        held = evaluate_model(model, holdout, "holdout") if holdout else None
        langs = report.per_language
        row = (
            name,
            report.macro_f1,
            langs.get("en", {}).get("macro_f1", 0.0),
            langs.get("zh-Hant", {}).get("macro_f1", 0.0),
            langs.get("zh-Hans", {}).get("macro_f1", 0.0),
            held.macro_f1 if held else float("nan"),
            report.ece,
            seconds,
        )
        rows.append(row)
        print(" | ".join(str(round(v, 4)) if isinstance(v, float) else v for v in row), flush=True)
    header = (
        "| candidate | grouped CV macro-F1 | en | zh-Hant | zh-Hans | holdout macro-F1 | CV ECE "
        "| CV seconds |\n|---|---|---|---|---|---|---|---|\n"
    )
    lines = [
        f"| {r[0]} | {r[1]:.4f} | {r[2]:.4f} | {r[3]:.4f} | {r[4]:.4f} | {r[5]:.4f} | {r[6]:.4f} "
        f"| {r[7]:.1f} |"
        for r in rows
    ]
    Path(args.output).write_text(
        "# Model selection\n\n"
        f"Corpus: {len(dataset)} examples; holdout: {len(holdout) if holdout else 0}. "
        f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}. "
        "Command: `python -m bench.model_selection`.\n\n" + header + "\n".join(lines) + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
