"""Hard limits of the HTTP service, defined once. Settings may lower them, never raise them.

They sit in the request schemas themselves, so an oversized request is refused while it is being
validated instead of after millions of items have been validated one by one.
"""

from __future__ import annotations

# Longest text in one request, by default (AI_STAGE_MAX_TEXT_CHARS, up to the library's 1,000,000).
DEFAULT_TEXT_CHARS = 100_000
# Items in one /v1/classify/batch request; AI_STAGE_MAX_BATCH_ITEMS (default 1,000) lowers it.
MAX_BATCH_ITEMS = 10_000
# Error details listed in one response; the rest are counted.
MAX_ERROR_DETAILS = 20
# Multipart uploads (/v1/train, /v1/tag-jobs): one file and a few small form fields.
UPLOAD_FORM_LIMITS = {"max_files": 1, "max_fields": 8, "max_part_size": 16 * 1024}
