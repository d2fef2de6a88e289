"""Concurrency: two `iaas-billing run` started at once on the same inbox and database.

Every file version lands once, every period is closed once, every invoice is issued once, and the marts equal
those of a single run of the same command (database A, run at the same time, alone in its database).
"""

from __future__ import annotations

import pytest

from .conftest import exactly_once, ledger_counts, marts_checksums, start_run


@pytest.mark.rule("5.5")
@pytest.mark.slow
def test_two_runs_at_once_do_everything_once(databases, simulated_inbox):
    url_single, url_both = databases.create("conc_single"), databases.create("conc_both")
    procs = [start_run(simulated_inbox, url_single), start_run(simulated_inbox, url_both),
             start_run(simulated_inbox, url_both)]
    outputs = [p.communicate(timeout=1200) for p in procs]
    results = [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs, strict=True)]
    assert results[0][0] == 0, results[0][2][-3000:]
    for rc, _, err in results[1:]:
        assert rc == 0, err[-3000:]
    assert exactly_once(url_both) == []
    assert ledger_counts(url_both) == ledger_counts(url_single)
    a, b = marts_checksums(url_single), marts_checksums(url_both)
    assert sorted(t for t in a.keys() | b.keys() if a.get(t) != b.get(t)) == []
    # the two runs split the files between them; together they landed each exactly once
    landed = [int(out.split("landed", 1)[1].split()[0]) if "landed" in out else None for _, out, _ in results[1:]]
    print("files landed by each concurrent run:", landed)
