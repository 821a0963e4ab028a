"""Messages that leave the server: say what is wrong without the server's file system."""

from __future__ import annotations

import re

# An absolute POSIX path (two or more components); only its last component is kept.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:[^\s/:'\"]+/)+([^\s/:'\"]+)")


def for_users(message: str) -> str:
    """`message` with every absolute path cut to its file name."""
    return _ABSOLUTE_PATH.sub(r"\1", message)
