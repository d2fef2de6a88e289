"""The command's contract: --help everywhere, one-line errors instead of tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys

EXE = [sys.executable, "-m", "iaas_billing.cli"]


def _run(*args, env=None):
    return subprocess.run([*EXE, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_help_lists_subcommands():
    out = _run("--help")
    assert out.returncode == 0
    for command in ("run", "simulate", "init", "doctor", "warehouse"):
        assert command in out.stdout


def test_every_subcommand_has_help():
    from iaas_billing.cli.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, subparser in sub.choices.items():
        assert subparser.format_help().startswith("usage:"), name
        out = _run(name, "--help")
        assert out.returncode == 0, f"{name} --help: {out.stderr}"


def test_wrong_database_url_is_one_line_naming_the_host():
    out = _run("init", env={"BILLING_DATABASE_URL": "postgresql://billing:s3cret@db.invalid:6543/warehouse"})
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "db.invalid:6543" in lines[0]
    assert "Traceback" not in out.stderr
    assert "s3cret" not in out.stderr + out.stdout


def test_unreachable_port_names_host():
    out = _run("init", env={"BILLING_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/warehouse"})
    assert out.returncode == 2
    assert "127.0.0.1:1" in out.stderr and len(out.stderr.strip().splitlines()) == 1
