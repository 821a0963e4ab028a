"""CSV rows that survive a bad row: the csv module raises on some input (a bare carriage return,
a field over the size limit) and a file must not be lost to one such line."""

from __future__ import annotations

import csv
from collections.abc import Iterator


def header_of(reader: csv.DictReader) -> tuple[list[str], str | None]:
    """The column names, or a problem when even the header cannot be read."""
    try:
        return list(reader.fieldnames or []), None
    except csv.Error as exc:
        return [], f"unreadable CSV header ({exc})"


def csv_rows(reader: csv.DictReader) -> Iterator[tuple[int, dict | None, str | None]]:
    """(line number, row or None, problem or None) for every row, in order."""
    while True:
        before = reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # Every call consumes input, so going on cannot spin; the count may lag by a line.
            yield max(reader.line_num, before + 1), None, f"unreadable CSV row ({exc})"
            continue
        yield reader.line_num, row, None
