"""A progress bar for long runs: documents, documents per second, and an ETA from bytes read.

Shown on standard error only when it is a terminal, so pipes and logs stay clean.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from classifier.batch.readers import RecordReader

OnProgress = Callable[[int, RecordReader], None]


@contextlib.contextmanager
def tag_progress(quiet: bool = False) -> Iterator[OnProgress | None]:
    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn("tagging"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[docs]:,} docs · {task.fields[rate]:,.0f} docs/s · ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("tag", total=None, docs=0, rate=0.0)
        started = time.perf_counter()

        def update(done: int, reader: RecordReader) -> None:
            elapsed = max(time.perf_counter() - started, 1e-6)
            bar.update(
                task,
                total=reader.total_bytes,
                completed=reader.bytes_done,
                docs=done,
                rate=done / elapsed,
            )

        yield update
