"""The FinOps Foundation's focus-validator in its own Python 3.12 venv (.local/focus-venv): create it, run it.

`python tests/finance/focus_validator.py` creates the venv (idempotent; `make install` runs it).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".local" / "focus-venv"
REQUIREMENTS = ["focus-validator==2.2.1", "pyarrow<18"]
MARKER = VENV / ".installed"  # holds REQUIREMENTS once the install succeeded


def python312() -> str:
    """A Python 3.12 interpreter: FOCUS_PYTHON, python3.12 on PATH, or one pyenv installed."""
    candidates = [os.environ.get("FOCUS_PYTHON"), shutil.which("python3.12")]
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/3.12*/bin/python3.12"), reverse=True)
    candidates += ["/usr/bin/python3.12", "/usr/local/bin/python3.12"]
    for candidate in filter(None, candidates):
        try:
            out = subprocess.run([candidate, "-c", "import sys, venv; print(sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=30)
        except OSError:
            continue
        if out.returncode == 0 and out.stdout.strip() == "(3, 12)":
            return candidate
    raise RuntimeError("focus-validator 2.2.1 needs Python 3.12 and none was found (tried FOCUS_PYTHON, "
                       "python3.12 on PATH, pyenv versions 3.12*, /usr/bin): install one, e.g. "
                       "`pyenv install 3.12`, or set FOCUS_PYTHON")


def ensure_venv() -> Path:
    """Create .local/focus-venv with focus-validator unless it is already there; returns its bin/ folder."""
    bin_dir = VENV / "bin"
    if MARKER.exists() and MARKER.read_text() == "\n".join(REQUIREMENTS) and (bin_dir / "focus-validator").exists():
        return bin_dir
    print(f"creating {VENV} with {' '.join(REQUIREMENTS)}", file=sys.stderr)
    subprocess.run([python312(), "-m", "venv", "--clear", str(VENV)], check=True)
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    *REQUIREMENTS], check=True)
    MARKER.write_text("\n".join(REQUIREMENTS))
    return bin_dir


def site_packages() -> Path:
    """The venv's site-packages: focus-validator opens its rule files by paths relative to it."""
    return Path(next(iter(glob.glob(str(VENV / "lib" / "python3.12" / "site-packages")))))


def validate(data_file: Path, version: str = "1.2", criteria: tuple[str, ...] = ()) -> tuple[list[str], str]:
    """Run focus-validator offline on a CSV, with the applicability criteria given (none by default); returns the
    report's FAIL lines and the whole report."""
    bin_dir = ensure_venv()
    extra = ["--applicability-criteria", ",".join(criteria)] if criteria else []
    proc = subprocess.run(
        [str(bin_dir / "focus-validator"), "--data-file", str(Path(data_file).resolve()),
         "--validate-version", version, "--block-download", *extra],
        cwd=site_packages(), capture_output=True, text=True, timeout=600)
    report = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise RuntimeError(f"focus-validator exited {proc.returncode}:\n{report[-3000:]}")
    fails = [line for line in report.splitlines() if "FAIL" in line]
    return fails, report


if __name__ == "__main__":
    print(ensure_venv())
