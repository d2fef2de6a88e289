"""Same arguments, same bytes: every file of two runs hashes the same; another seed differs."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import date
from pathlib import Path

from billing_simulator.simulation import Config, simulate


def digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_arguments_write_identical_bytes(tmp_path, small_sim):
    again = tmp_path / "again"
    simulate(Config(out=again, accounts=14, resources_per_account=6, seed=7))
    first, second = digests(small_sim), digests(again)
    assert len(first) > 800
    assert first == second


def test_another_seed_writes_another_world(tmp_path, small_sim):
    other = tmp_path / "other"
    simulate(Config(out=other, accounts=14, resources_per_account=6, seed=8))
    a, b = digests(small_sim), digests(other)
    assert a.keys() == b.keys()
    assert a["inbox/orders_20261001T00.jsonl"] != b["inbox/orders_20261001T00.jsonl"]


def test_the_command_line_refuses_to_overwrite_and_writes_the_same(tmp_path):
    args = [sys.executable, "-m", "billing_simulator", "--out", str(tmp_path), "--accounts", "3",
            "--resources-per-account", "3", "--end", "2026-10-08", "--seed", "5"]
    first = subprocess.run(args, capture_output=True, text=True, check=True)
    assert "simulated 3 accounts" in first.stdout and "\r" not in first.stdout  # no progress bar in a pipe
    before = digests(tmp_path)
    refused = subprocess.run(args, capture_output=True, text=True)
    assert refused.returncode != 0 and "not empty" in refused.stderr
    subprocess.run(args + ["--force", "--quiet"], capture_output=True, text=True, check=True)
    assert digests(tmp_path) == before
    bad = subprocess.run(args[:-2] + ["--late-rate", "2"], capture_output=True, text=True)
    assert bad.returncode != 0 and "between 0 and 1" in bad.stderr


def test_worker_processes_change_nothing(tmp_path):
    """60 accounts make two chunks; one process or two, the same bytes."""
    from billing_simulator.simulation import CHUNK_ACCOUNTS

    accounts = CHUNK_ACCOUNTS + 10
    runs = {}
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        simulate(Config(out=out, accounts=accounts, resources_per_account=2, end=date(2026, 10, 3), seed=3),
                 jobs=jobs)
        runs[jobs] = digests(out)
    assert runs[1] == runs[2]
