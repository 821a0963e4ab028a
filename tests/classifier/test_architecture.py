"""The classifier package stays free of the web stack and of the environment."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "classifier"


def test_importing_the_classifier_and_its_cli_pulls_in_no_web_framework():
    code = (
        "import sys, classifier, classifier.cli, classifier.tagging, classifier.corpus_checks;"
        "bad = [m for m in ('fastapi', 'uvicorn', 'starlette', 'service') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_classifier_never_reads_environment_variables():
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
                raise AssertionError(f"{path.name}:{node.lineno} reads the environment")
