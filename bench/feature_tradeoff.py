"""Accuracy against speed for the feature designs: python -m bench.feature_tradeoff

For each design: grouped 5-fold cross-validated macro-F1 (overall and per language), holdout
macro-F1, and documents per second on ~800-word articles through the fast path, one process.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from bench.articles import articles
from classifier.dataset import load_training_data
from classifier.evaluation import cross_validate, evaluate_model
from classifier.model import ModelParams
from classifier.training import TrainingConfig, fit
from service.bootstrap import holdout_if_present
from service.paths import data_dir as _data_dir

# Every design states its own prefix and script folding.
BASE = ModelParams(C=30.0, word_prefix=0, fold_scripts=False)
DESIGNS: dict[str, ModelParams] = {
    "char_wb 1-4 + word 1-2": replace(BASE, char_mode="char_wb", char_ngram_range=(1, 4)),
    "char_wb 1-3 + word 1-2": replace(BASE, char_mode="char_wb", char_ngram_range=(1, 3)),
    "CJK char 1-3 + word 1-2": replace(BASE, char_mode="cjk", char_ngram_range=(1, 3)),
    "CJK char 1-3 + word 1-2 + prefix 5": replace(
        BASE, char_mode="cjk", char_ngram_range=(1, 3), word_prefix=5
    ),
    "CJK char 1-4 + word 1-2 + prefix 5": replace(
        BASE, char_mode="cjk", char_ngram_range=(1, 4), word_prefix=5
    ),
    "CJK char 1-2 + word 1-2 + prefix 5": replace(
        BASE, char_mode="cjk", char_ngram_range=(1, 2), word_prefix=5
    ),
    "CJK char 1-2 + word 1-2 + prefix 5, scripts folded": replace(
        BASE, char_mode="cjk", char_ngram_range=(1, 2), word_prefix=5, fold_scripts=True
    ),
    "CJK char 1-3 + word 1-2 + prefix 4": replace(
        BASE, char_mode="cjk", char_ngram_range=(1, 3), word_prefix=4
    ),
}


def docs_per_second(model, docs: list[str]) -> float:
    model.predict_proba(docs[:20])
    started = time.perf_counter()
    model.predict_proba(docs)
    return len(docs) / (time.perf_counter() - started)


def main() -> None:
    dataset = load_training_data(_data_dir().path)
    holdout = holdout_if_present(_data_dir().path)
    docs = articles(dataset, 300)
    lines = [
        "| design | grouped CV macro-F1 | en | zh-Hant | zh-Hans | holdout macro-F1 "
        "| 800-word docs/s (fast path, 1 process) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, params in DESIGNS.items():
        report = cross_validate(dataset, params, folds=5, seed=0)
        model = fit(dataset, TrainingConfig(params=params, cv_folds=0))
        held = evaluate_model(model, holdout, "holdout")
        speed = docs_per_second(model, docs)
        lang = report.per_language
        line = (
            f"| {name} | {report.macro_f1:.4f} | {lang['en']['macro_f1']:.4f} "
            f"| {lang['zh-Hant']['macro_f1']:.4f} | {lang['zh-Hans']['macro_f1']:.4f} "
            f"| {held.macro_f1:.4f} | {speed:,.0f} |"
        )
        print(line, flush=True)
        lines.append(line)
    Path(__file__).with_name("FEATURES.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
