"""The dbt models pass `make lint`'s sqlfluff check (pyproject.toml [tool.sqlfluff.*]) with no finding."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SQLFLUFF = Path(sys.executable).with_name("sqlfluff")
# the Makefile's `lint` target, verbatim
LINT_ARGS = ["lint", "dbt_project/models", "--templater", "jinja", "--disable-progress-bar"]


def test_models_have_no_sqlfluff_findings():
    command = [str(SQLFLUFF)] if SQLFLUFF.exists() else [sys.executable, "-m", "sqlfluff"]
    result = subprocess.run([*command, *LINT_ARGS], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (
        f"sqlfluff {' '.join(LINT_ARGS)} exited {result.returncode} "
        f"(fix the SQL, e.g. `sqlfluff fix` for layout):\n{result.stdout}{result.stderr}"
    )
