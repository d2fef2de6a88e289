"""A run does not read again what is unchanged since a run hashed it, and never misses a new version for that."""

from __future__ import annotations

import os
import time

import pytest

from iaas_billing.landing import land_inbox, stat_cache

from .conftest import LATE, PRIMARY_HEADER, event


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The names of the inbox files the landing reads (stat_cache.looked_at is where every file is read)."""
    seen: list[str] = []
    real = stat_cache.looked_at

    def spy(path, read):
        seen.append(path.name)
        return real(path, read)

    monkeypatch.setattr(stat_cache, "looked_at", spy)
    return seen


@pytest.fixture
def no_quiet_window(monkeypatch):
    """Trust a file changed just before it was hashed (a test cannot wait the minute the landing waits)."""
    monkeypatch.setattr(stat_cache, "QUIET_NS", 0)


def settle() -> None:
    time.sleep(0.05)  # past the coarse clock tick that stamped the files just written


@pytest.fixture
def two_copies(tmp_path):
    """Two inbox directories, each with its own orders_20261003T14.jsonl (other content)."""
    copies = tmp_path / "one", tmp_path / "two"
    for copy, event_id in zip(copies, ("e-1", "e-2"), strict=True):
        copy.mkdir()
        (copy / "orders_20261003T14.jsonl").write_text(event(event_id) + "\n")
    settle()
    return copies


def test_an_unchanged_file_is_not_read_again(inbox, land, sql, reads, no_quiet_window):
    inbox.lines("orders_20261003T14.jsonl", event("e-1"), event("e-2"))
    inbox.lines("primary_billing_20261003.csv", PRIMARY_HEADER, "2026-10-03,ACC-1,cpu,EUR,1.50")
    settle()
    first = land()
    assert (first.files_landed, first.files_not_read) == (2, 0)
    assert sorted(reads) == ["orders_20261003T14.jsonl", "primary_billing_20261003.csv"]
    # what is remembered is the manifest's own checksum of each file, and the file's stat
    assert sql("select s.file_name, s.sha256 = f.sha256, s.size_bytes = f.size_bytes from raw.inbox_file_stats s "
               "join raw.inbox_files f using (file_name) order by 1") == [
        ("orders_20261003T14.jsonl", True, True), ("primary_billing_20261003.csv", True, True)]
    reads.clear()
    again = land()
    assert (again.files_landed, again.files_skipped, again.files_not_read) == (0, 2, 2)
    assert reads == []


def test_a_rewrite_that_keeps_the_size_and_the_mtime_is_read_and_lands_as_a_new_version(
        inbox, land, sql, reads, no_quiet_window):
    path = inbox.lines("orders_20261003T14.jsonl", event("e-1"))
    settle()
    land()
    before = os.stat(path)
    path.write_text(event("e-2") + "\n")  # same length, other content …
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # … and the old mtime (rsync -t, cp -p)
    assert (os.stat(path).st_size, os.stat(path).st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    settle()
    reads.clear()
    report = land()
    assert reads == ["orders_20261003T14.jsonl"]
    assert (report.files_landed, report.new_versions) == (1, ["orders_20261003T14.jsonl"])
    assert sql("select event_id from raw.order_events order by 1") == [("e-1",), ("e-2",)]


def test_a_file_changed_within_the_quiet_window_before_it_was_hashed_is_read_again(inbox, land, reads):
    inbox.lines("orders_20261003T14.jsonl", event("e-1"))
    land()
    reads.clear()
    again = land()  # the file was written moments before the first run hashed it: not trusted yet
    assert (again.files_skipped, again.files_not_read) == (1, 0)
    assert reads == ["orders_20261003T14.jsonl"]


def test_another_copy_of_the_inbox_is_read_and_its_other_content_lands(two_copies, fresh_url, sql, reads,
                                                                        no_quiet_window):
    one, two = two_copies
    land_inbox(one, LATE, url=fresh_url)
    land_inbox(two, LATE, url=fresh_url)  # another file of that name: version 2, remembered as two's
    reads.clear()
    back = land_inbox(one, LATE, url=fresh_url)  # one's file is not the one remembered: read, and it is new again
    assert reads == ["orders_20261003T14.jsonl"]
    assert (back.files_landed, back.files_not_read) == (1, 0)
    assert sql("select version from raw.inbox_files order by version") == [(1,), (2,), (3,)]
    reads.clear()
    assert land_inbox(one, LATE, url=fresh_url).files_not_read == 1
    assert reads == []


def test_a_remembered_file_is_read_when_its_name_has_a_newer_version_from_elsewhere(
        two_copies, fresh_url, sql, reads, no_quiet_window, monkeypatch):
    one, two = two_copies
    land_inbox(one, LATE, url=fresh_url)  # one's file is remembered
    real = stat_cache.looked_at

    def changed_while_read(path, read):
        data, _, sha256 = real(path, read)
        return data, None, sha256

    with monkeypatch.context() as m:  # two's file lands as version 2 but is not remembered (it changed as it was read)
        m.setattr(stat_cache, "looked_at", changed_while_read)
        land_inbox(two, LATE, url=fresh_url)
    assert sql("select count(*) from raw.inbox_file_stats s join raw.inbox_files f using (file_name, sha256) "
               "where f.version = 1") == [(1,)]
    reads.clear()
    back = land_inbox(one, LATE, url=fresh_url)  # unchanged, but what is remembered is not the latest version
    assert reads == ["orders_20261003T14.jsonl"]
    assert (back.files_landed, back.new_versions) == (1, ["orders_20261003T14.jsonl"])
    assert sql("select version, sha256 = (select sha256 from raw.inbox_files where version = 1) "
               "from raw.inbox_files order by version") == [(1, True), (2, False), (3, True)]


def test_a_file_that_changes_while_it_is_read_is_not_remembered(tmp_path):
    path = tmp_path / "orders_20261003T14.jsonl"
    path.write_text(event("e-1") + "\n")

    def read_then_append(p):
        data = p.read_bytes()
        with open(p, "ab") as more:
            more.write(b"\n")
        return data

    data, hashed, sha256 = stat_cache.looked_at(path, read_then_append)
    assert data == (event("e-1") + "\n").encode() and len(sha256) == 64
    assert hashed is None
    assert stat_cache.looked_at(path, lambda p: p.read_bytes())[1] is not None


def test_only_what_is_the_latest_version_in_the_manifest_is_remembered(inbox, land, sql, fresh_url,
                                                                        no_quiet_window):
    from iaas_billing.base import db

    path = inbox.lines("orders_20261003T14.jsonl", event("e-1"))
    settle()
    land()
    remembered = sql("select sha256, hashed_at_ns from raw.inbox_file_stats")
    assert len(remembered) == 1
    stat = stat_cache.stat_of(path)
    later = remembered[0][1] + 1
    with db.connect(fresh_url, autocommit=True) as conn:  # a newer look at content the manifest does not hold
        stat_cache.save(conn, {path.name: stat_cache.Hashed("0" * 64, stat, later)})
        assert sql("select sha256, hashed_at_ns from raw.inbox_file_stats") == remembered
        stat_cache.save(conn, {path.name: stat_cache.Hashed(remembered[0][0], stat, later)})
    assert sql("select sha256, hashed_at_ns from raw.inbox_file_stats") == [(remembered[0][0], later)]
