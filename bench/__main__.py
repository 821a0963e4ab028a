"""python -m bench (or make bench): every performance figure next to its reference, as a ratio.

Trains the default model into a temporary registry, runs the four measurements and writes
bench/RESULTS.md with the machine, the versions and the command. Takes about ten minutes on
the 2-core machine; `--quick` shortens the HTTP runs and skips the 100k training size.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench import measure
from bench.articles import short_texts
from classifier.dataset import load_training_data
from classifier.fastpath import LONG_TEXT
from classifier.registry import Registry
from classifier.training import TrainingConfig, train
from service.bootstrap import holdout_if_present
from service.paths import data_dir as _data_dir

RESULTS = Path(__file__).with_name("RESULTS.md")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("the HTTP benchmark needs wrk: apt-get install wrk (make bench does)")
    dataset = load_training_data(_data_dir().path)
    holdout = holdout_if_present(_data_dir().path)
    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp) / "models"
        print("training the default model", flush=True)
        trained = train(dataset, TrainingConfig(), holdout=holdout)
        Registry(models).publish(trained)
        model = trained.classifier
        print("1. one short text in process", flush=True)
        single = measure.single_text(model, dataset)
        print(f"  {single}", flush=True)
        switch = measure.switch_point(model, dataset)
        print(f"  {switch}", flush=True)
        print("2. HTTP, one worker, 32 connections", flush=True)
        text = short_texts(dataset, 1, seed=3)[0]
        http = measure.http(models, _data_dir().path, text, seconds=3 if args.quick else 6)
        print("3. batch tagging of 800-word articles", flush=True)
        batch = measure.batch(model, dataset, holdout, n_docs=600 if args.quick else 2000)
        print(f"  {batch}", flush=True)
        print("4. training size, memory, start-up", flush=True)
        sizes = (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000)
        training = measure.training(dataset, sizes)
        startup = measure.startup(models, _data_dir().path)
        print(f"  {startup}", flush=True)
    write_results(single, switch, http, batch, training, startup, trained, args.quick)
    print(f"wrote {RESULTS}")


def write_results(single, switch, http, batch, training, startup, trained, quick) -> None:
    bare, ours = http["bare FastAPI endpoint"], http["ai-stage /v1/classify"]
    prediction_only_ratio = (
        batch["ai-stage docs/s, 1 process(es)"]
        / batch["fastText docs/s, 1 process, prediction only"]
    )
    sizes = sorted(training)
    growth = [
        f"{training[b]['fit_seconds'] / training[a]['fit_seconds']:.1f}x for {b // a}x the data"
        for a, b in itertools.pairwise(sizes)
    ]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python -m bench"
        f"{' --quick' if quick else ''}` (`make bench`). Every figure is next to its reference "
        "measured in the same run.",
        "",
        "```",
        json.dumps(measure.machine(), indent=1),
        "```",
        "",
        f"Model: {trained.data['examples']} training examples, "
        f"grouped-CV macro-F1 {trained.cross_validation.macro_f1:.4f}.",
        "",
        "## 1. One short text, in process",
        "",
        "| path | p50 µs | p99 µs |",
        "|---|---|---|",
        *(
            f"| {name} | {single[name]['p50_us']:.0f} | {single[name]['p99_us']:.0f} |"
            for name in ("fast path", "Pipeline.predict_proba")
        ),
        "",
        f"Fast path speed-up at p50: **{single['speedup_p50']:.1f}x** (target: at least 6x).",
        "",
        "### Where the fast path switches",
        "",
        "Microseconds to make one text's feature row, counting grams as strings or on integer "
        "codes, for 200 corpus articles cut to each length (normalised characters). Texts "
        f"shorter than `LONG_TEXT` = {LONG_TEXT} take the strings.",
        "",
        "| characters | strings µs | integer codes µs |",
        "|---|---|---|",
        *(
            f"| {size:,} | {row['strings']:.0f} | {row['integer codes']:.0f} |"
            for size, row in switch.items()
        ),
        "",
        "## 2. HTTP: POST /v1/classify, one uvicorn worker, wrk -t2 -c32",
        "",
        "Both servers run side by side and take turns under wrk, three rounds of 6 s each; the "
        "row is each server's median round.",
        "",
        "| server | requests/s | p50 ms | p99 ms | non-2xx | requests/s of every round |",
        "|---|---|---|---|---|---|",
        *(
            f"| {name} | {r['requests_per_s']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} "
            f"| {r['non_2xx']} | {', '.join(f'{x:,.0f}' for x in r['rounds'])} |"
            for name, r in (("bare FastAPI endpoint", bare), ("ai-stage /v1/classify", ours))
        ),
        "",
        f"ai-stage answers **{http['ratio']:.0%}** of the bare endpoint's requests/s "
        f"(target: at least 50%) with p99 {ours['p99_ms']:.1f} ms (target: under 20 ms).",
        "",
        "## 3. Batch tagging of ~800-word articles",
        "",
        "| | 1 process docs/s | 2 processes docs/s | holdout macro-F1 |",
        "|---|---|---|---|",
        f"| fastText, C++ prediction only (lines prepared beforehand) "
        f"| {batch['fastText docs/s, 1 process, prediction only']:,.0f} | - | - |",
        f"| ai-stage (tag_file, fast path) | {batch['ai-stage docs/s, 1 process(es)']:,.0f} "
        f"| {batch['ai-stage docs/s, 2 process(es)']:,.0f} "
        f"| {batch['ai-stage holdout macro-F1']:.4f} |",
        f"| fastText including preparing its lines | {batch['fastText docs/s, 1 process']:,.0f} "
        f"| {batch['fastText docs/s, 2 processes']:,.0f} "
        f"| {batch['fastText holdout macro-F1']:.4f} |",
        "",
        f"Ratio to fastText including its input preparation: **{batch['ratio 1 process']:.2f}x** "
        f"with one process, **{batch['ratio 2 processes']:.2f}x** with two; to fastText's "
        "prediction alone: "
        f"**{prediction_only_ratio:.2f}x** "
        "with one process (target: at least 0.5x, with equal or better macro-F1). fastText is "
        "trained on the same corpus (25 epochs, word bigrams, each CJK character a token).",
        "",
        "## 4. Training, memory, model size, start-up",
        "",
        "| training examples | fit seconds | peak RSS MB | model file MB |",
        "|---|---|---|---|",
        *(
            f"| {n:,} | {training[n]['fit_seconds']:.1f} | {training[n]['peak_rss_mb']:.0f} "
            f"| {training[n]['model_mb']:.1f} |"
            for n in sizes
        ),
        "",
        f"Growth: {'; '.join(growth)} (linear would be 10x).",
        "",
        f"`ai-stage serve` to a ready `/readyz`: **{startup['seconds_to_ready']:.1f} s** "
        f"(target: under 5 s); serving worker RSS after 200 requests: "
        f"**{startup['worker_rss_mb']:.0f} MB** (target: under 400 MB).",
        "",
    ]
    features = Path(__file__).with_name("FEATURES.md")
    if features.exists():
        lines += [
            "## Feature design: accuracy against speed",
            "",
            "From `python -m bench.feature_tradeoff` (grouped 5-fold CV, C=30):",
            "",
            features.read_text(encoding="utf-8"),
        ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
