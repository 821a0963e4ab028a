"""`ai-stage review`: the review queue in a terminal, one keypress per answer (works over SSH).

Keys: 1-5 give a label, n "not an AI text", s skip, u undo the last answer, q quit. On a terminal
the keys are read raw (no Enter needed); from a pipe they are read one character at a time, so
`printf '13s' | ai-stage review` works too. Answers go through the same ReviewQueue as the page
and the API, so an item someone else settled meanwhile is reported and passed over.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from classifier.errors import AlreadyAnsweredError, ReviewItemNotFoundError
from classifier.taxonomy import LABELS
from service.review_queue import ReviewItem, ReviewQueue

SHOWN_CHARS = 1_500
ESC = "\x1b"
# Queued texts come from other people's files: their control characters (ESC sequences that
# retitle the window or hide text) must reach the reviewer's terminal as visible marks.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
COLORS = {
    "perception": "blue",
    "generative": "magenta",
    "agentic": "dark_orange",
    "physical": "green",
    "none": "grey50",
}
KEYS_HELP = (
    "  ".join(f"[bold]{i}[/bold] {label}" for i, label in enumerate(LABELS, start=1))
    + "   [bold]n[/bold] not an AI text  [bold]s[/bold] skip  [bold]u[/bold] undo"
    + "  [bold]q[/bold] quit"
)


@contextlib.contextmanager
def key_reader(stream: IO[str]) -> Iterator[Callable[[], str]]:
    """Yields a function returning the next key ('' at the end of input)."""
    if not stream.isatty():

        def from_pipe() -> str:
            while True:
                char = stream.read(1)
                if not char or not char.isspace():
                    return char

        yield from_pipe
        return
    if sys.platform == "win32":  # pragma: no cover - no Windows runner here
        import msvcrt

        yield msvcrt.getwch
        return
    import codecs
    import select
    import termios
    import tty

    fd = stream.fileno()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def read_char() -> str:
        # Straight from the descriptor, a byte at a time: a buffered text stream would pull a
        # whole escape sequence into its buffer, and `select` could no longer see the rest.
        while True:
            byte = os.read(fd, 1)
            if not byte:
                return ""
            if char := decoder.decode(byte):
                return char

    def waiting() -> bool:
        return bool(select.select([fd], [], [], 0.05)[0])

    def from_terminal() -> str:
        while True:
            char = read_char()
            if char in ("", "\x04"):  # Ctrl-D: end of input, as from a pipe
                return ""
            if char != ESC:
                return char
            # Arrows, Delete, PageUp, F-keys send ESC and a few more characters ("ESC [3~"),
            # Alt+key sends ESC and the key: read the whole sequence so its digits never count
            # as answers. CSI runs to a final byte in @..~; SS3 ("ESC O") has one more byte.
            if not waiting():
                continue  # a lone Escape press
            kind = read_char()
            if kind == "[":
                while (part := read_char()) and not "@" <= part <= "~":
                    pass
            elif kind == "O":
                read_char()

    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)  # keys arrive one by one; Ctrl-C still interrupts
        yield from_terminal
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@dataclass
class Session:
    settled: list[tuple[int, str | None]] = field(default_factory=list)  # (item, label), for undo
    note: str = ""

    def answers(self) -> dict[str, int]:
        counts = dict.fromkeys(LABELS, 0)
        for _item, label in self.settled:
            if label is not None:
                counts[label] += 1
        return {label: n for label, n in counts.items() if n}


def _percent(p: float) -> str:
    if p >= 0.995:
        return ">99%"
    if p < 0.005:
        return "<1%"
    return f"{round(p * 100)}%"


def _shown(text: str) -> str:
    return CONTROL.sub("\N{REPLACEMENT CHARACTER}", text)


def _render(console: Console, item: ReviewItem, pending: int, session: Session) -> None:
    if console.is_terminal:
        console.clear()
    console.rule(
        f"review · {pending:,} pending · {len(session.settled)} settled this session", style="dim"
    )
    shown = _shown(item.text[:SHOWN_CHARS])
    if len(item.text) > SHOWN_CHARS:
        shown += f" … ({len(item.text) - SHOWN_CHARS:,} more characters)"
    where = item.source + (f" {item.job_id[:8]}" if item.job_id else "")
    where += f" · record {item.record_id}" if item.record_id else ""
    title = Text(f"item {item.id}")
    console.print(Panel(Text(shown), title=title, subtitle=Text(_shown(where)), expand=True))
    bars = Table.grid(padding=(0, 1))
    for label in LABELS:
        score = item.scores.get(label, 0.0)
        width = round(score * 30)
        bar = Text("█" * width, style=COLORS[label]) + Text("·" * (30 - width), style="dim")
        marker = " ← model" if label == item.predicted else ""
        bars.add_row(f"{label:>10}", bar, f"{_percent(score):>4}{marker}")
    console.print(bars)
    console.print(f"model {_shown(item.model_version)}", style="dim", markup=False)
    if session.note:
        console.print(session.note, style="yellow", markup=False)
    console.print(KEYS_HELP)


def _apply(queue: ReviewQueue, item: ReviewItem, key: str, session: Session) -> None:
    try:
        if key in "12345":
            label: str | None = LABELS[int(key) - 1]
            queue.answer(item.id, "label", label)
            session.note = f"item {item.id}: {label}"
        elif key == "n":
            label = queue.answer(item.id, "not_ai_text").answer
            session.note = f"item {item.id}: not an AI text (stored as {label})"
        else:  # "s"
            label = None
            queue.answer(item.id, "skip")
            session.note = f"item {item.id}: skipped"
        session.settled.append((item.id, label))
    except (AlreadyAnsweredError, ReviewItemNotFoundError) as exc:
        session.note = f"{exc.message}; moving on"


def _undo(queue: ReviewQueue, session: Session) -> None:
    if not session.settled:
        session.note = "nothing to undo in this session"
        return
    item_id, _label = session.settled.pop()
    try:
        queue.undo(item_id)
    except (AlreadyAnsweredError, ReviewItemNotFoundError) as exc:
        session.note = exc.message
        return
    session.note = f"item {item_id} is back in the queue"


def review_loop(queue: ReviewQueue, console: Console, stream: IO[str]) -> Session:
    """Show the most doubtful pending item, read one key, act; until q, end of input or an
    empty queue."""
    session = Session()
    with key_reader(stream) as next_key:
        while True:
            items, pending = queue.items("pending", limit=1)
            if not items:
                if not session.settled:
                    console.print("the review queue is empty", markup=False)
                    break
                console.print("the review queue is empty: u to undo the last answer, q to quit")
                if next_key().lower() != "u":
                    break
                _undo(queue, session)
                continue
            item = items[0]
            _render(console, item, pending, session)
            key = next_key().lower()
            while key and key not in "12345nsuq":
                key = next_key().lower()
            if key in ("", "q"):
                break
            if key == "u":
                _undo(queue, session)
            else:
                _apply(queue, item, key, session)
    return session
