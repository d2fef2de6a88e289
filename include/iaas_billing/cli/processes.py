"""The local services' processes (`make airflow`, `make bi`): alive by pid file, stopped by session, port probe."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text())
    except (FileNotFoundError, ValueError):
        return None


def alive(pid: int | None) -> bool:
    """The process exists and is not a zombie."""
    if pid is None:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def session_members(sessions: set[int]) -> set[int]:
    """Every live process whose session is one of these (read from /proc: the 6th field of stat)."""
    members = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[3]) in sessions:
            members.add(int(entry.name))
    return members


def stop_sessions(sessions: set[int], wait_seconds: float) -> list[int]:
    """SIGTERM every process of these sessions, SIGKILL what is left after `wait_seconds`; the pids signalled."""
    members = session_members(sessions)
    _signal(members, signal.SIGTERM)
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline and session_members(sessions):
        time.sleep(0.2)
    survivors = session_members(sessions)
    _signal(survivors, signal.SIGKILL)
    return sorted(members | survivors)


def port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _signal(pids: set[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
