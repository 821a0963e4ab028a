"""`ai-stage`: the classifier's commands plus `serve`, which starts the HTTP service.

`serve` lives here, not in `classifier.cli`, because the classifier package never imports the
web stack.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from classifier.cli import build_parser, run


def main(argv: Sequence[str] | None = None) -> int:
    parser, commands = build_parser()
    serve = commands.add_parser("serve", help="start the HTTP service")
    serve.add_argument("--host", default=None, help="default: AI_STAGE_HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: AI_STAGE_PORT or 8000")
    serve.add_argument("--workers", type=int, default=None, help="uvicorn worker processes")
    serve.set_defaults(handler=_serve)
    return run(parser, argv)


def _serve(args: argparse.Namespace, _out: object) -> int:
    from service.server import serve

    return serve(
        models_dir=args.models_dir,
        data_dir=args.data_dir,
        host=args.host,
        port=args.port,
        workers=args.workers,
    )
