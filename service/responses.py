"""JSON responses that survive any string the request could carry.

JSON lets a client send a lone surrogate ("\\ud800"), which Python keeps in the `str` but
UTF-8 cannot encode. Echoing such a string back (an explanation term, for instance) would fail
at serialisation time; here it falls back to ASCII escapes, which decode to the same string.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse


class SafeJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, allow_nan=False).encode("ascii")
