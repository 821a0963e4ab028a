"""Limits that more than one module enforces, defined once."""

from __future__ import annotations

# The longest text the library classifies, trains on or tags, in characters (a long book chapter).
# The HTTP service accepts less by default (service/limits.py) and may never accept more.
MAX_TEXT_CHARS = 1_000_000
