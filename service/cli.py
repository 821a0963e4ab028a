"""The `ai-stage` command line: parse arguments, call one classifier function, set the exit code.

`main(argv)` returns the exit code instead of exiting, so tests drive the real CLI in-process.
Exit codes: 0 success, 1 a check failed (data check, quality gate), 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from classifier import __version__
from classifier.batch.progress import tag_progress
from classifier.batch.readers import InputSpec
from classifier.batch.tag_report import LOW_CONFIDENCE, render_html
from classifier.batch.tagging import InProcess, ProcessPool, TagOptions, tag_file
from classifier.corpus_checks import BUCKETS, CorpusTargets, check_corpus
from classifier.dataset import (
    CHALLENGE_FOLDER,
    CORPUS_FOLDER,
    HOLDOUT_FOLDER,
    data_files,
    load_dataset,
    load_training_data,
)
from classifier.doubt import DoubtRule
from classifier.errors import ClassifierError, InvalidInputError
from classifier.evaluation import cross_validate, evaluate_model, format_report
from classifier.gate import GateConfig
from classifier.language import LANGS
from classifier.persistence import library_versions
from classifier.registry import Registry
from classifier.taxonomy import LABELS, load_taxonomy
from classifier.training import TrainingConfig
from service import paths
from service.bootstrap import holdout_if_present, load_or_train, shipped_model
from service.config import Settings
from service.exports import write_examples
from service.retrain import RetrainRequest, feedback_examples, retrain
from service.review import CapturePolicy, RowCapture, export_settled
from service.review_queue import ReviewQueue
from service.review_tui import review_loop
from service.store import Store

EXIT_OK, EXIT_FAILED_CHECK, EXIT_BAD_INPUT = 0, 1, 2


def _stdout() -> Console:
    # Piped output gets a wide fixed width so tables are not folded into unreadable slivers.
    wide = None if sys.stdout.isatty() else 160
    return Console(highlight=False, width=wide)


def _say_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _models_dir(args: argparse.Namespace) -> Path:
    return paths.models_dir(args.models_dir).path


def _data_dir(args: argparse.Namespace) -> Path:
    return paths.data_dir(args.data_dir).path


def _database(args: argparse.Namespace) -> Path:
    return paths.database(args.db).path


def _registry(args: argparse.Namespace) -> Registry:
    return Registry(_models_dir(args))


def _model(args: argparse.Namespace):
    data = paths.data_dir(args.data_dir)
    shipped = paths.shipped_models(data)
    classifier, _ = load_or_train(_registry(args), data.path, _say_to_stderr, shipped=shipped)
    return classifier


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


# -- commands ----------------------------------------------------------------------------------


def cmd_train(args: argparse.Namespace, out: Console) -> int:
    request = RetrainRequest(
        data_dir=_data_dir(args),
        extra_files=tuple(Path(p) for p in args.data),
        include_base=not args.no_base,
        use_feedback=args.feedback,
        database=_database(args),
        force=args.force,
        promote=not args.no_promote,
        gate=GateConfig(macro_margin=args.macro_margin, label_margin=args.label_margin),
        config=TrainingConfig(seed=args.seed, cv_folds=args.folds),
    )
    outcome = retrain(request, _registry(args), lambda _f, message: _say_to_stderr(message))
    if args.json:
        _print_json(outcome.to_dict())
        return EXIT_OK if outcome.state == "succeeded" else EXIT_FAILED_CHECK
    trained = outcome.trained
    for report in (trained.cross_validation, outcome.decision.candidate, outcome.decision.current):
        if report is not None:
            out.print(format_report(report, errors=5), markup=False)
            out.print()
    out.print("gate: " + "; ".join(outcome.decision.reasons), markup=False)
    if outcome.state == "rejected":
        out.print("candidate rejected; the current model stays (use --force to override)")
        return EXIT_FAILED_CHECK
    state = "published and promoted" if outcome.promoted else "published"
    out.print(
        f"{state} model {outcome.version} ({trained.data['examples']} examples, "
        f"fit {trained.fit_seconds}s)"
    )
    return EXIT_OK


def cmd_feedback_export(args: argparse.Namespace, out: Console) -> int:
    examples = feedback_examples(Store(_database(args)).all_feedback())
    count = write_examples(examples, Path(args.output))
    out.print(f"wrote {count} corrections to {args.output}", markup=False)
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace, out: Console) -> int:
    data_dir = _data_dir(args)
    dataset = (
        load_dataset([Path(p) for p in args.data]) if args.data else load_training_data(data_dir)
    )
    reports = []
    if args.folds:
        _say_to_stderr(f"grouped {args.folds}-fold cross-validation on {len(dataset)} examples")
        reports.append(cross_validate(dataset, TrainingConfig().params, args.folds, args.seed))
    labeled_sets = []
    holdout = holdout_if_present(data_dir)
    if holdout is not None and not args.no_holdout:
        labeled_sets.append(("holdout", holdout))
    others = [Path(p) for p in args.on]
    if args.challenge:
        others.append(data_dir / CHALLENGE_FOLDER)
    # Scoring needs no minimum per label (training does): a small set of hard cases is fine.
    labeled_sets += [(path.name, load_dataset([path], min_per_label=0)) for path in others]
    if labeled_sets:
        classifier = _model(args)  # loaded once, for every set it scores
        for name, labeled in labeled_sets:
            method = f"{name}, model {classifier.version}"
            reports.append(evaluate_model(classifier, labeled, method))
    if args.json:
        _print_json([r.to_dict() for r in reports])
    else:
        for report in reports:
            out.print(format_report(report, errors=args.errors), markup=False)
            out.print()
    return EXIT_OK


def cmd_classify(args: argparse.Namespace, out: Console) -> int:
    classifier = _model(args)
    predictions = classifier.predict(args.texts, explain=args.explain)
    if args.json:
        _print_json(
            [
                {"text": text, **p.to_dict(), "model_version": classifier.version}
                for text, p in zip(args.texts, predictions, strict=True)
            ]
        )
        return EXIT_OK
    table = Table(title=f"model {classifier.version}")
    table.add_column("text", overflow="fold", max_width=60)
    table.add_column("stage")
    table.add_column("confidence", justify="right")
    for label in LABELS:
        table.add_column(label[:5], justify="right")
    if args.explain:
        table.add_column("terms", overflow="fold", max_width=40)
    for text, p in zip(args.texts, predictions, strict=True):
        row = [text, p.label, f"{p.confidence:.2f}", *(f"{p.scores[x]:.2f}" for x in LABELS)]
        if args.explain:
            row.append(", ".join(t.term for t in p.terms))
        table.add_row(*row)
    out.print(table)
    return EXIT_OK


def cmd_labels(args: argparse.Namespace, out: Console) -> int:
    taxonomy = load_taxonomy()
    lang = args.lang
    if args.json:
        _print_json(taxonomy.model_dump(by_alias=True))
        return EXIT_OK
    for stage in taxonomy.stages:
        order = f"stage {stage.order}" if stage.order else "outside the stages"
        out.print(f"[bold]{stage.id}[/bold] · {stage.names.in_(lang)} ({order})")
        out.print(f"  {stage.definition.in_(lang)}", markup=False)
        examples = ", ".join(example.name for example in stage.examples)
        out.print(f"  examples: {examples}", markup=False)
        out.print()
    return EXIT_OK


def cmd_models_list(args: argparse.Namespace, out: Console) -> int:
    infos = _registry(args).list()
    if args.json:
        _print_json([info.__dict__ for info in infos])
        return EXIT_OK
    if not infos:
        out.print(f"no models in {_models_dir(args)}; run `ai-stage train`")
        return EXIT_OK
    table = Table()
    for column in ("version", "created", "examples", "cv macro-F1", "current"):
        table.add_column(column)
    for info in infos:
        f1 = f"{info.macro_f1:.4f}" if info.macro_f1 is not None else "-"
        table.add_row(
            info.version,
            info.created_at,
            str(info.examples or "-"),
            f1,
            "*" if info.current else "",
        )
    out.print(table)
    return EXIT_OK


def cmd_models_promote(args: argparse.Namespace, out: Console) -> int:
    _registry(args).promote(args.version)
    out.print(f"current model is now {args.version}")
    return EXIT_OK


def cmd_models_rollback(args: argparse.Namespace, out: Console) -> int:
    version = _registry(args).rollback()
    out.print(f"rolled back; current model is now {version}")
    return EXIT_OK


def _executor(args: argparse.Namespace, classifier):
    if args.engine == "dask":
        if not args.scheduler:
            raise InvalidInputError("--engine dask needs --scheduler ADDRESS (tcp://host:8786)")
        from classifier.batch.dask_tagging import DaskCluster

        return DaskCluster(classifier, args.paragraphs, args.scheduler)
    if args.jobs > 1:
        return ProcessPool(classifier, args.paragraphs, args.jobs)
    return InProcess(classifier, args.paragraphs)


def _review_policy(args: argparse.Namespace) -> CapturePolicy:
    """Flags first, then the AI_STAGE_REVIEW_* settings the service uses."""
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "AI_STAGE_" + str(first["loc"][0]).upper()
        raise InvalidInputError(f"{name}: {first['msg']}") from None
    threshold, margin = args.review_threshold, args.review_margin
    threshold = settings.review_threshold if threshold is None else threshold
    margin = settings.review_margin if margin is None else margin
    return replace(settings.review_policy(), rule=DoubtRule(threshold, margin))


def cmd_tag(args: argparse.Namespace, out: Console) -> int:
    if not args.review and (args.review_threshold is not None or args.review_margin is not None):
        raise InvalidInputError("--review-threshold and --review-margin need --review")
    capture = (
        RowCapture(ReviewQueue(Store(_database(args))), _review_policy(args), "tag")
        if args.review
        else None
    )
    classifier = _model(args)
    spec = InputSpec(
        Path(args.input), args.text_field, args.id_field, args.title_field, args.date_field
    )
    options = TagOptions(
        paragraphs=args.paragraphs,
        chunk_size=args.chunk_size,
        resume=args.resume,
        errors_path=Path(args.errors) if args.errors else None,
    )
    if args.jobs < 1:
        raise InvalidInputError("--jobs must be at least 1")
    executor = _executor(args, classifier)
    try:
        with tag_progress(quiet=args.quiet) as on_progress:
            summary = tag_file(
                spec,
                Path(args.output),
                executor,
                classifier.version,
                options,
                on_progress,
                on_rows=capture,
            )
    finally:
        executor.close()
    if args.report:
        Path(args.report).write_text(render_html(summary, args.input), encoding="utf-8")
    if args.json:
        review = {"review": capture.tally.to_dict()} if capture else {}
        _print_json({**summary.to_dict(), **review})
        return EXIT_OK
    table = Table(title=f"{args.input} -> {args.output} (model {classifier.version})")
    table.add_column("stage")
    table.add_column("documents", justify="right")
    table.add_column("share", justify="right")
    for label in LABELS:
        n = summary.per_label.get(label, 0)
        table.add_row(label, str(n), f"{n / max(1, summary.tagged):.0%}")
    table.add_section()
    table.add_row("tagged", str(summary.tagged), "")
    table.add_row(f"low confidence (<{LOW_CONFIDENCE:.0%})", str(summary.low_confidence), "")
    table.add_row("errors (kept, with a reason)", str(summary.errors), "")
    table.add_row("total records", str(summary.records), "")
    if summary.skipped:
        table.add_row("of which resumed from before", str(summary.skipped), "")
    out.print(table)
    if args.report:
        out.print(f"report: {args.report}")
    if capture is not None:
        hint = "; settle them with `ai-stage review`" if capture.tally.queued else ""
        out.print(capture.tally.summary() + hint, markup=False)
    return EXIT_OK


def cmd_review(args: argparse.Namespace, out: Console) -> int:
    queue = ReviewQueue(Store(_database(args)))
    session = review_loop(queue, out, sys.stdin)
    answers = ", ".join(f"{label} {n}" for label, n in session.answers().items()) or "no labels"
    skipped = sum(label is None for _item, label in session.settled)
    out.print(
        f"answered {len(session.settled) - skipped} and skipped {skipped} in this session "
        f"({answers})",
        markup=False,
    )
    stats = queue.stats()
    out.print(
        f"{stats.by_status['pending']:,} still pending; {stats.corrections:,} corrections stored. "
        "Retrain with them: ai-stage train --feedback",
        markup=False,
    )
    return EXIT_OK


def cmd_review_export(args: argparse.Namespace, out: Console) -> int:
    count = export_settled(ReviewQueue(Store(_database(args))), Path(args.output))
    out.print(f"wrote {count} settled review items to {args.output}", markup=False)
    return EXIT_OK


def cmd_review_stats(args: argparse.Namespace, out: Console) -> int:
    stats = ReviewQueue(Store(_database(args))).stats()
    if args.json:
        _print_json(stats.to_dict())
        return EXIT_OK
    status = ", ".join(f"{k} {v:,}" for k, v in stats.by_status.items())
    labels = ", ".join(f"{k} {v:,}" for k, v in stats.by_label.items())
    out.print(f"items: {status}", markup=False)
    out.print(f"answers by label: {labels} (not an AI text: {stats.not_ai_text:,})", markup=False)
    done = stats.by_status["done"]
    if done:
        out.print(f"the model's call was right on {stats.agreed:,} of {done:,} answered items")
    out.print(f"corrections stored: {stats.corrections:,}")
    return EXIT_OK


def cmd_check_data(args: argparse.Namespace, out: Console) -> int:
    data_dir = _data_dir(args)
    folder = Path(args.path) if args.path else data_dir / CORPUS_FOLDER
    dataset = load_dataset([folder])
    # The size and balance targets are the shipped corpus's promise; other files get the
    # duplicate and wording checks and the counts. The shipped corpus must also share no text
    # with the sets the model is measured on.
    targets = CorpusTargets() if args.path is None or args.targets else None
    evaluation_sets = [data_dir / HOLDOUT_FOLDER, data_dir / CHALLENGE_FOLDER]
    present = [p for p in evaluation_sets if p.is_dir() and data_files(p)]
    evaluation = load_dataset(present, min_per_label=0) if args.path is None and present else None
    report = check_corpus(dataset, targets, evaluation)
    if args.json:
        _print_json(report.to_dict())
        return EXIT_OK if report.ok else EXIT_FAILED_CHECK
    table = Table(title=f"{folder}: {report.total} examples (label x language x length)")
    table.add_column("label")
    for lang in LANGS:
        for bucket in BUCKETS:
            table.add_column(f"{lang}\n{bucket}", justify="right")
    table.add_column("total", justify="right")
    for label in LABELS:
        cells = [report.counts[label][lang][b] for lang in LANGS for b in BUCKETS]
        table.add_row(label, *map(str, cells), str(sum(cells)))
    out.print(table)
    if report.cues:
        cues = Table(title="cue words: share of texts labeled other than the cue's usual label")
        for column in ("cue", "texts", "usual label", "other labels", "none", ""):
            cues.add_column(column, justify="left" if column in ("cue", "usual label") else "right")
        for row in report.cues:
            mark = "ok" if row.ok else "SHORT"
            share = f"{row.other_share:.1%}"
            cues.add_row(
                row.cue, str(row.texts), str(row.top_label), share, str(row.none_texts), mark
            )
        out.print(cues)
    out.print(
        f"label-pinning disclaimers: {len(report.disclaimers)} ({report.disclaimer_share:.2%}); "
        f"guideline wording: {len(report.guideline_wording)}"
    )
    for a, b in report.exact_duplicates:
        out.print(f"exact duplicate: {a} and {b}", markup=False)
    for a, b, score in report.near_duplicates:
        out.print(f"near duplicate (Jaccard {score}): {a} and {b}", markup=False)
    for problem in report.problems:
        out.print(f"failed: {problem}", markup=False)
    out.print("corpus checks passed" if report.ok else "corpus checks FAILED")
    return EXIT_OK if report.ok else EXIT_FAILED_CHECK


def cmd_info(args: argparse.Namespace, out: Console) -> int:
    """Where everything is and why, what is served, and with which libraries."""
    data = paths.data_dir(args.data_dir)
    database = paths.database(args.db)
    locations = {
        "models": paths.models_dir(args.models_dir),
        "data": data,
        "database": database,
        "uploads and job files": paths.Location(
            paths.state_dir(database.path), "beside the database"
        ),
    }
    registry = _registry(args)
    try:
        current = registry.current_version()
    except ClassifierError as exc:
        current = f"unreadable ({exc.message})"
    shipped = shipped_model(paths.shipped_models(data))
    info = {
        "version": __version__,
        "locations": {k: {"path": str(v.path), "rule": v.rule} for k, v in locations.items()},
        "serving_model": current,
        "shipped_model": shipped.name if shipped else None,
        "libraries": library_versions(),
    }
    if args.json:
        _print_json(info)
        return EXIT_OK
    table = Table(title=f"ai-stage {__version__}", show_header=True)
    for column in ("what", "where", "why"):
        table.add_column(column, overflow="fold")
    for name, location in locations.items():
        table.add_row(name, str(location.path), location.rule)
    out.print(table)
    out.print(f"serving model: {current or 'none yet (the first command adopts or trains one)'}")
    out.print(f"shipped model: {info['shipped_model'] or 'none for this data folder'}")
    versions = ", ".join(f"{k} {v}" for k, v in info["libraries"].items())
    out.print(f"libraries: {versions}", markup=False)
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, _out: Console) -> int:
    from service.server import serve  # the web stack loads only for this command

    return serve(
        models_dir=args.models_dir,
        data_dir=args.data_dir,
        database=args.db,
        host=args.host,
        port=args.port,
        workers=args.workers,
    )


# -- parser ------------------------------------------------------------------------------------


def build_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    parser = argparse.ArgumentParser(
        prog="ai-stage",
        description="Tag AI product descriptions and AI news with their stage of AI.",
    )
    where = "default: AI_STAGE_{}, else see `ai-stage info`"
    parser.add_argument("--models-dir", help="model registry; " + where.format("MODELS_DIR"))
    parser.add_argument("--data-dir", help="labeled data folder; " + where.format("DATA_DIR"))
    parser.add_argument("--db", help="feedback and jobs database; " + where.format("DATABASE"))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser(
        "train", help="train on the corpus (plus files, corrections), gate, publish, promote"
    )
    p.add_argument("data", nargs="*", help="extra JSONL/CSV files or folders of examples")
    p.add_argument("--no-base", action="store_true", help="train on the given files only")
    p.add_argument("--feedback", action="store_true", help="include stored corrections")
    p.add_argument("--force", action="store_true", help="publish even if the gate rejects it")
    p.add_argument("--no-promote", action="store_true", help="publish without making it current")
    p.add_argument("--macro-margin", type=float, default=GateConfig.macro_margin)
    p.add_argument("--label-margin", type=float, default=GateConfig.label_margin)
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds, 0 to skip")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the outcome as JSON")
    p.set_defaults(handler=cmd_train)

    p = commands.add_parser("evaluate", help="grouped cross-validation and holdout scores")
    p.add_argument("data", nargs="*", help="data files or folders (default: the corpus)")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds, 0 to skip")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-holdout", action="store_true", help="skip the current model's holdout run")
    p.add_argument(
        "--on",
        action="append",
        default=[],
        metavar="PATH",
        help="also score the current model on "
        "a labeled file or folder it never trained on (repeatable)",
    )
    p.add_argument(
        "--challenge", action="store_true", help="also score the current model on the challenge set"
    )
    p.add_argument("--errors", type=int, default=15, help="mistakes to list")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_evaluate)

    p = commands.add_parser("classify", help="classify texts given as arguments")
    p.add_argument("texts", nargs="+", metavar="TEXT")
    p.add_argument("--explain", action="store_true", help="show the terms behind each decision")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_classify)

    p = commands.add_parser("labels", help="show the label definitions")
    p.add_argument("--lang", choices=["en", "zh-Hant"], default="en")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_labels)

    models = commands.add_parser("models", help="list, promote or roll back model versions")
    actions = models.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser("list", help="every published version")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_models_list)
    p = actions.add_parser("promote", help="make a version current")
    p.add_argument("version")
    p.set_defaults(handler=cmd_models_promote)
    p = actions.add_parser("rollback", help="make the previous version current again")
    p.set_defaults(handler=cmd_models_rollback)

    feedback = commands.add_parser("feedback", help="corrections sent to the service")
    actions = feedback.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser("export", help="write stored corrections as a training JSONL file")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(handler=cmd_feedback_export)

    p = commands.add_parser(
        "tag", help="tag a JSONL or CSV file (optionally .gz) or a folder of .txt/.md/.html"
    )
    p.add_argument("input", help="file or folder")
    p.add_argument("-o", "--output", required=True, help="JSONL, or CSV when it ends in .csv")
    p.add_argument("--text-field", default="text", help="field holding the text (JSONL, CSV)")
    p.add_argument("--id-field", default="id", help="field holding the record id")
    p.add_argument("--title-field", help="field joined before the text, e.g. a headline")
    p.add_argument("--date-field", help="field with an ISO date, for the report's time chart")
    p.add_argument("--paragraphs", action="store_true", help="label each paragraph, add the mix")
    p.add_argument("--errors", help="write records that cannot be tagged here instead")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run")
    p.add_argument("--jobs", type=int, default=1, help="worker processes on this machine")
    p.add_argument("--engine", choices=["local", "dask"], default="local")
    p.add_argument("--scheduler", help="Dask scheduler address, with --engine dask")
    p.add_argument("--chunk-size", type=int, default=256, help="records per prediction")
    p.add_argument("--report", help="write a self-contained HTML report with charts")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--review", action="store_true", help="queue doubtful calls for `ai-stage review`"
    )
    p.add_argument(
        "--review-threshold",
        type=float,
        help="queue calls whose top score is below this (default: AI_STAGE_REVIEW_THRESHOLD, 0.6)",
    )
    p.add_argument(
        "--review-margin",
        type=float,
        help="...or whose lead over the runner-up is below this (default: 0.1)",
    )
    p.set_defaults(handler=cmd_tag)

    review = commands.add_parser(
        "review", help="settle the doubtful calls in the review queue, one key each"
    )
    review.set_defaults(handler=cmd_review)
    actions = review.add_subparsers(dest="action", metavar="ACTION")
    p = actions.add_parser("export", help="write the settled items as a training JSONL file")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(handler=cmd_review_export)
    p = actions.add_parser("stats", help="items by status, answers by label")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_review_stats)

    p = commands.add_parser("check-data", help="check the corpus: duplicates, balance, counts")
    p.add_argument("path", nargs="?", help="folder or file (default: the corpus)")
    p.add_argument("--targets", action="store_true", help="apply the corpus size targets to PATH")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_check_data)

    p = commands.add_parser("info", help="where models, data and the database are, and why")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_info)

    p = commands.add_parser("serve", help="start the HTTP service")
    p.add_argument("--host", default=None, help="default: AI_STAGE_HOST or 127.0.0.1")
    p.add_argument("--port", type=int, default=None, help="default: AI_STAGE_PORT or 8000")
    p.add_argument("--workers", type=int, default=None, help="uvicorn worker processes")
    p.set_defaults(handler=cmd_serve)
    return parser, commands


def run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage error
        return int(exc.code or 0) and EXIT_BAD_INPUT
    try:
        return args.handler(args, _stdout())
    except ClassifierError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): nothing more to say
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # a folder where a file was expected, a full disk, no permission
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except sqlite3.Error as exc:
        print(
            f"error: the database ({args.db or 'default'}) cannot be used: {exc}", file=sys.stderr
        )
        return EXIT_BAD_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    parser, _ = build_parser()
    return run(parser, argv)
