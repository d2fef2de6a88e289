"""Spares a run reading and hashing inbox files unchanged since a run hashed them (their stat, as git's index does)."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

# A file whose mtime or ctime is this close to the moment it was hashed may still have been changing then (a clock
# tick is coarse, and the inbox may be another host's disk): it is read again next time.
QUIET_NS = 60 * 1_000_000_000


@dataclass(frozen=True)
class Stat:
    """What the stat of a regular file says about its content: any write changes ctime, which nobody can set."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int


@dataclass(frozen=True)
class Hashed:
    """A file as a run read it: its checksum and its stat just before, at hashed_at_ns on the landing host's clock."""

    sha256: str
    stat: Stat
    hashed_at_ns: int


def stat_of(path: Path) -> Stat | None:
    """The file's stat; None if it cannot be read (the run then reads it, and reports what it finds)."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return Stat(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def looked_at(path: Path, read) -> tuple[bytes, Hashed | None, str]:
    """read(path)'s bytes and checksum, with what to remember of the file: None when it changed while being read."""
    at = time.time_ns()
    before = stat_of(path)
    data = read(path)
    sha256 = hashlib.sha256(data).hexdigest()
    after = stat_of(path)
    hashed = Hashed(sha256, before, at) if before is not None and before == after else None
    return data, hashed, sha256


def load(conn: psycopg.Connection) -> dict[str, Hashed]:
    """file name -> how a run last found it."""
    rows = conn.execute("select file_name, sha256, size_bytes, mtime_ns, ctime_ns, inode, device, hashed_at_ns "
                        "from raw.inbox_file_stats").fetchall()
    return {name: Hashed(sha, Stat(size, mtime, ctime, int(inode), int(device)), at)
            for name, sha, size, mtime, ctime, inode, device, at in rows}


def unchanged(cached: Hashed | None, latest_sha256: str | None, stat: Stat | None) -> bool:
    """True when the file needs no reading: a run hashed it with the content of the name's latest version, its stat
    is exactly what it was then, and it had not changed for QUIET_NS before."""
    return (cached is not None and stat is not None and latest_sha256 == cached.sha256 and stat == cached.stat
            and max(stat.mtime_ns, stat.ctime_ns) < cached.hashed_at_ns - QUIET_NS)


def save(conn: psycopg.Connection, files: dict[str, Hashed]) -> None:
    """Remember how this run found the files it read, those whose content is now their name's latest version in the
    manifest (a file that failed to land, or was superseded meanwhile, is left to be read again)."""
    if not files:
        return
    names = list(files)
    entries = [files[n] for n in names]
    conn.execute("""
        insert into raw.inbox_file_stats as s (file_name, sha256, size_bytes, mtime_ns, ctime_ns, inode, device,
                                               hashed_at_ns)
        select i.*
        from unnest(%s::text[], %s::text[], %s::bigint[], %s::bigint[], %s::bigint[], %s::numeric[],
                    %s::numeric[], %s::bigint[])
            as i (file_name, sha256, size_bytes, mtime_ns, ctime_ns, inode, device, hashed_at_ns)
        where i.sha256 = (select f.sha256 from raw.inbox_files as f where f.file_name = i.file_name
                          order by f.version desc limit 1)
        on conflict (file_name) do update
        set sha256 = excluded.sha256, size_bytes = excluded.size_bytes, mtime_ns = excluded.mtime_ns,
            ctime_ns = excluded.ctime_ns, inode = excluded.inode, device = excluded.device,
            hashed_at_ns = excluded.hashed_at_ns
        where s.hashed_at_ns <= excluded.hashed_at_ns
    """, (names, [e.sha256 for e in entries], [e.stat.size for e in entries], [e.stat.mtime_ns for e in entries],
          [e.stat.ctime_ns for e in entries], [e.stat.inode for e in entries], [e.stat.device for e in entries],
          [e.hashed_at_ns for e in entries]))
