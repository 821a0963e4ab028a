"""The classifier package stays an ML library: no web stack, no database, no environment."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "classifier"


def test_import_contracts_hold():
    """`service -> classifier` only; classifier imports no fastapi, sqlite3, subprocess."""
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is part of the dev extra"
    result = subprocess.run([lint_imports], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_importing_the_classifier_pulls_in_no_web_framework():
    code = (
        "import sys, classifier, classifier.batch.tagging, classifier.corpus_checks;"
        "bad = [m for m in ('fastapi', 'uvicorn', 'starlette', 'service', 'sqlite3')"
        " if m in sys.modules];"
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
