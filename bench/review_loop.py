"""Simulate a reviewer: does settling the queue's most doubtful texts teach the model more than
settling the same number of random ones?

    python -m bench.review_loop [--budget 100] [--seeds 5]

The challenge set (text the corpus writers never saw) is cut in two halves, stratified by label
and register. One half is the pool a reviewer works through; the other is the yardstick. Every
run starts from the shipped default model (trained on the corpus only), queues its calls on the
whole pool through the real review queue, settles `budget` items with their true labels, and
retrains through the real use case (corpus + corrections, judged by the gate on the holdout
split) into a temporary registry. "Doubtful first" settles the first `budget` items the queue
offers (smallest margin first); "random" settles `budget` pool texts drawn at random, over
several seeds. The halves then swap roles. Nothing here touches models/ or the shipped model.
Results go to bench/REVIEW_LOOP.md.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from classifier.dataset import CHALLENGE_FOLDER, Dataset, LabeledExample, load_dataset
from classifier.doubt import DoubtRule
from classifier.evaluation import evaluate_model
from classifier.model import StageClassifier
from classifier.registry import Registry
from classifier.training import TrainingConfig
from service.bootstrap import ensure_model
from service.retrain import RetrainRequest, retrain
from service.review import CapturePolicy, capture_predictions
from service.review_queue import ReviewQueue
from service.store import Store

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "training_data"
SHIPPED = ROOT / "models" / "default"
OUTPUT = Path(__file__).parent / "REVIEW_LOOP.md"
# Everything goes into the queue, so its order (not the capture threshold) picks the items.
QUEUE_EVERYTHING = CapturePolicy(DoubtRule(min_confidence=1.0, min_margin=1.0), 1_000_000)


def halves(dataset: Dataset, seed: int = 0) -> tuple[Dataset, Dataset]:
    """Two halves with the same mix of labels and registers."""
    strata: dict[tuple[str, str], list[LabeledExample]] = defaultdict(list)
    for example in dataset.examples:
        strata[(example.label, example.register)].append(example)
    first: list[LabeledExample] = []
    second: list[LabeledExample] = []
    rng = random.Random(seed)
    for key in sorted(strata):
        group = strata[key]
        rng.shuffle(group)
        # Alternate which half gets the odd one out, so the halves stay the same size.
        cut = (len(group) + (len(first) <= len(second))) // 2
        first += group[:cut]
        second += group[cut:]
    return Dataset(tuple(first)), Dataset(tuple(second))


def run_once(
    pool: Dataset, yardstick: Dataset, pick: str, budget: int, seed: int, workdir: Path
) -> dict[str, object]:
    registry = Registry(workdir / "models")
    ensure_model(registry, DATA, lambda _message: None, shipped=SHIPPED)
    base, _ = registry.load()
    queue = ReviewQueue(Store(workdir / "review.db"))
    predictions = base.predict(pool.texts)
    capture_predictions(queue, QUEUE_EVERYTHING, pool.texts, predictions, base.version)
    truth = {e.text: e.label for e in pool.examples}
    items, _ = queue.items("pending", limit=len(pool))
    chosen = items[:budget] if pick == "doubtful" else random.Random(seed).sample(items, budget)
    for item in chosen:
        queue.answer(item.id, "label", truth[item.text])
    request = RetrainRequest(
        data_dir=DATA,
        use_feedback=True,
        database=queue.store.path,
        config=TrainingConfig(cv_folds=0),
    )
    started = time.perf_counter()
    outcome = retrain(request, registry)
    report = evaluate_model(outcome.trained.classifier, yardstick, "yardstick")
    wrong = [i for i in chosen if truth[i.text] != i.predicted]
    now = outcome.trained.classifier.predict([i.text for i in wrong]) if wrong else []
    return {
        "errors_found": len(wrong),
        "errors_fixed": sum(p.label == truth[i.text] for i, p in zip(wrong, now, strict=True)),
        "macro_f1": report.macro_f1,
        "accuracy": report.accuracy,
        "gate": "promoted" if outcome.promoted else "refused",
        "seconds": time.perf_counter() - started,
    }


def base_scores(yardstick: Dataset, pool: Dataset, workdir: Path) -> tuple[float, float, int]:
    registry = Registry(workdir / "models")
    ensure_model(registry, DATA, lambda _message: None, shipped=SHIPPED)
    base: StageClassifier = registry.load()[0]
    report = evaluate_model(base, yardstick, "yardstick")
    flagged = sum(DoubtRule().is_doubtful(p.scores) for p in base.predict(pool.texts))
    return report.macro_f1, report.accuracy, flagged


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.review_loop")
    parser.add_argument("--budget", type=int, default=100, help="items the reviewer settles")
    parser.add_argument("--seeds", type=int, default=5, help="random draws per split")
    args = parser.parse_args()
    challenge = load_dataset([DATA / CHALLENGE_FOLDER], min_per_label=0)
    a, b = halves(challenge)
    rows = []
    for name, pool, yardstick in (("A→B", a, b), ("B→A", b, a)):
        with tempfile.TemporaryDirectory() as temp:
            base_f1, base_acc, flagged = base_scores(yardstick, pool, Path(temp))
        print(f"split {name}: base macro-F1 {base_f1:.4f}; {flagged} pool texts doubtful")
        runs = {"doubtful": [0], "random": list(range(args.seeds))}
        for pick, seeds in runs.items():
            for seed in seeds:
                with tempfile.TemporaryDirectory() as temp:
                    result = run_once(pool, yardstick, pick, args.budget, seed, Path(temp))
                print(f"  {pick} seed {seed}: {result}", flush=True)
                rows.append(
                    {"split": name, "pick": pick, "seed": seed, "base_f1": base_f1,
                     "base_acc": base_acc, "flagged": flagged, "pool": len(pool),
                     "yardstick": len(yardstick), **result}
                )  # fmt: skip
    OUTPUT.write_text(render(rows, args.budget), encoding="utf-8")
    print(f"wrote {OUTPUT}")


def render(rows: list[dict], budget: int) -> str:
    lines = [
        "# Simulated reviewer: doubtful-first against random",
        "",
        f"Generated by `python -m bench.review_loop` on {platform.node() or 'this machine'} "
        f"({platform.machine()}, Python {platform.python_version()}). "
        f"Each run settles {budget} pool texts with their true labels and retrains "
        "(corpus + corrections, no cross-validation) from the shipped default model; "
        "the yardstick is the other half of the challenge set.",
        "",
        "| split | pick | runs | model errors among the settled | of those, right after "
        "retraining | yardstick macro-F1 | change | accuracy | gate |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for split in dict.fromkeys(r["split"] for r in rows):
        mine = [r for r in rows if r["split"] == split]
        first = mine[0]
        lines.append(
            f"| {split} | none (shipped model) | - | - | - | {first['base_f1']:.4f} | - | "
            f"{first['base_acc']:.4f} | - |"
        )
        for pick in ("doubtful", "random"):
            runs = [r for r in mine if r["pick"] == pick]
            f1 = [r["macro_f1"] for r in runs]
            spread = f" ± {statistics.stdev(f1):.4f}" if len(f1) > 1 else ""
            errors = statistics.mean(r["errors_found"] for r in runs)
            fixed = statistics.mean(r["errors_fixed"] for r in runs)
            change = statistics.mean(f1) - first["base_f1"]
            gates = ", ".join(sorted({r["gate"] for r in runs}))
            lines.append(
                f"| {split} | {pick} | {len(runs)} | {errors:.1f} | {fixed:.1f} | "
                f"{statistics.mean(f1):.4f}{spread} | {change:+.4f} | "
                f"{statistics.mean(r['accuracy'] for r in runs):.4f} | {gates} |"
            )
    first = rows[0]
    lines += [
        "",
        f"Pool {first['pool']} texts, yardstick {first['yardstick']}. With the default rule "
        "(top score under 0.6, or a lead under 0.1) the queue would have flagged "
        + " and ".join(f"{r['flagged']} ({r['split']})" for r in rows if r["pick"] == "doubtful")
        + f" pool texts; the runs above settle the first {budget} the queue offers.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
