"""A missing file is a break, not a stall: the revenue_assurance DAG run by dag.test() on hand-made inbox files.

One warehouse, two daily runs of the DAG (real landing before each, as the ingest DAG does; real dbt build,
the real GX checkpoint through recon.run_checks, the register):
1. as of 2026-10-03T02:00, two inputs have not arrived: the control totals of 10-01 and the extract
   orders_20261002T10.jsonl (the DECOMMISSIONs of vm-1 and vm-2). Each is a missing_file break naming it;
   L2 of 10-01 and L1 and L2 of 10-02 wait, while L1 of 10-01 and the data-quality checks of both days run.
   Compared without the extract, 10-02 would show false breaks: vm-1 and vm-2 rated all day (L1) and two
   DECOMMISSIONs counted but not landed (L2).
2. as of 2026-10-04T02:00, both have landed: the breaks are resolved, and the days are compared.
The L1/L2 breaks the days must give in the end are the ones computed by hand in scenario.py (RUN1_L1, RUN1_L2).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from . import channel
from . import scenario as sc
from .conftest import break_rows, figures, norm, rows

RUN1 = datetime(2026, 10, 3, 2, tzinfo=UTC)
RUN2 = datetime(2026, 10, 4, 2, tzinfo=UTC)
LATE_CONTROL = "orderstream_control_20261001.csv"
LATE_EXTRACT = "orders_20261002T10.jsonl"


def _n(rows_set):
    return {tuple(norm(v) for v in r) for r in rows_set}


def _record_old_missing_input(url, file_name: str) -> None:
    """An open break as the release before the rename recorded it: missing_input, keyed by the file name."""
    from iaas_billing.base import db

    with db.connect(url) as conn, conn.transaction():
        run_id = conn.execute("insert into audit.recon_runs (as_of, levels) values (%s, %s) returning run_id",
                              (datetime(2026, 10, 2, 13, tzinfo=UTC), [sc.DQ])).fetchone()[0]
        conn.execute("""
            insert into audit.reconciliation_breaks (break_id, recon_level, break_type, break_key, business_date,
                file_name, detail, status, detected_at, last_seen_at, first_run_id)
            values (md5(%(level)s::text || '|missing_input|' || %(name)s::text), %(level)s, 'missing_input', %(name)s,
                    '2026-10-02', %(name)s, 'orders file ' || %(name)s || ' has not arrived', 'open',
                    '2026-10-02T13:00Z', '2026-10-02T13:00Z', %(run)s)""",
                     {"level": sc.DQ, "name": file_name, "run": run_id})
        conn.execute("""
            insert into audit.reconciliation_break_events (break_id, run_id, as_of, change)
            values (md5(%s::text || '|missing_input|' || %s::text), %s, '2026-10-02T13:00Z', 'opened')""",
                     (sc.DQ, file_name, run_id))


def _daily_run(dag, inbox, url, as_of) -> dict:
    """What the deployment does for one day: the ingest lands the inbox, then revenue_assurance runs at 02:00."""
    from iaas_billing import landing

    landing.land_inbox(inbox, as_of, url=url)
    channel.SENT.clear()
    run = dag.test(run_after=as_of, logical_date=as_of)
    return {"state": str(run.state), "tasks": {ti.task_id: str(ti.state) for ti in run.get_task_instances()},
            "alerts": list(channel.SENT), "breaks": break_rows(url),
            "summary": rows(url, "select * from marts.fct_reconciliation_daily_summary")}


@pytest.fixture(scope="module")
def world(databases, gx_root, airflow_home, dags, tmp_path_factory):
    url = databases.create("missing_files")
    inbox = tmp_path_factory.mktemp("inbox")
    dag = dags["revenue_assurance"]
    for t in dag.tasks:
        t.retries = 0
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BILLING_DATABASE_URL", url.render_as_string(hide_password=False))
        mp.setenv("BILLING_NOTIFIER", channel.__name__ + ":remember")
        _record_old_missing_input(url, LATE_EXTRACT)
        sc.write(inbox, sc.first_inbox(missing=(LATE_CONTROL, LATE_EXTRACT)))
        run1 = _daily_run(dag, inbox, url, RUN1)
        late = sc.first_inbox()
        sc.write(inbox, {LATE_CONTROL: late[LATE_CONTROL], LATE_EXTRACT: late[LATE_EXTRACT]})
        sc.write(inbox, sc.empty_hours("20261003T01", "20261004T00", {}))
        run2 = _daily_run(dag, inbox, url, RUN2)
    return {"url": url, "run1": run1, "run2": run2}


def _breaks(run, level=None, break_type=None, day=None, status=None):
    return [b for b in run["breaks"] if (level is None or b["recon_level"] == level)
            and (break_type is None or b["break_type"] == break_type)
            and (day is None or b["business_date"].isoformat() == day)
            and (status is None or b["status"] == status)]


def test_the_run_does_not_stall_on_a_missing_file(world):
    run = world["run1"]
    assert run["state"] == "success", run["tasks"]
    assert set(run["tasks"].values()) == {"success"}, run["tasks"]
    [note] = run["alerts"]
    assert note.severity == "warning"
    assert note.payload["missing_files"] == [LATE_CONTROL, LATE_EXTRACT]
    assert LATE_CONTROL in note.body and LATE_EXTRACT in note.body


def test_a_missing_file_is_a_freshness_break_that_names_it(world):
    found = {(b["recon_level"], b["business_date"].isoformat(), b["file_name"], b["break_key"], b["status"],
              b["detected_at"]) for b in _breaks(world["run1"], break_type="missing_file")}
    assert found == {(sc.DQ, "2026-10-01", LATE_CONTROL, LATE_CONTROL, "open", RUN1),
                     (sc.DQ, "2026-10-02", LATE_EXTRACT, LATE_EXTRACT, "open", RUN1)}
    detail = {b["file_name"]: b["detail"] for b in _breaks(world["run1"], break_type="missing_file")}
    assert detail[LATE_CONTROL] == (f"control file {LATE_CONTROL} was due at 2026-10-02T00:00Z and has not "
                                    "arrived; L2 of 2026-10-01 waits for it")
    assert detail[LATE_EXTRACT] == (f"orders file {LATE_EXTRACT} was due at 2026-10-02T13:00Z and has not "
                                    "arrived; L1 and L2 of 2026-10-02 wait for it")


def test_the_days_other_checks_still_run(world):
    run = world["run1"]
    # 10-01 waits for its control totals: L1 compares the day all the same, and finds its breaks
    l1 = {figures(b) for b in _breaks(run, sc.L1)}
    assert l1 == _n(r for r in sc.RUN1_L1 if r[2] == "2026-10-01")
    # data quality runs for both days
    dq = {(b["business_date"].isoformat(), b["break_type"]) for b in _breaks(run, sc.DQ)}
    assert {("2026-10-01", "held_event"), ("2026-10-01", "lifecycle_anomaly"), ("2026-10-01", "quarantined_row"),
            ("2026-10-02", "currency_change"), ("2026-10-02", "rejected_file"),
            ("2026-10-02", "quarantined_row")} <= dq
    compared = {(r["business_date"].isoformat(), r["recon_level"]) for r in run["summary"] if r["lines_compared"]}
    assert compared == {("2026-10-01", sc.L1)}


def test_no_l1_or_l2_break_for_what_is_missing(world):
    assert not _breaks(world["run1"], sc.L2)
    assert not _breaks(world["run1"], sc.L1, day="2026-10-02")
    # every L1/L2 break ever recorded, over both runs, is one the days really have: none was opened
    # for a missing file and resolved once it landed
    recorded = {figures(b) for b in _breaks(world["run2"], sc.L1) + _breaks(world["run2"], sc.L2)}
    assert recorded == _n(sc.RUN1_L1 | sc.RUN1_L2)
    assert {b["status"] for b in _breaks(world["run2"], sc.L1) + _breaks(world["run2"], sc.L2)} == {"open"}


def test_the_next_run_checks_the_late_files_and_resolves_their_breaks(world):
    run = world["run2"]
    assert run["state"] == "success", run["tasks"]
    missing = _breaks(run, break_type="missing_file")
    assert {(b["file_name"], b["status"], b["resolved_at"]) for b in missing} == {
        (LATE_CONTROL, "resolved", RUN2), (LATE_EXTRACT, "resolved", RUN2)}
    # the days they held back are compared now: their breaks are detected by this run
    now_compared = [b for b in _breaks(run, sc.L2) + _breaks(run, sc.L1, day="2026-10-02")]
    assert now_compared and {b["detected_at"] for b in now_compared} == {RUN2}
    assert {figures(b) for b in now_compared} == _n(
        r for r in sc.RUN1_L1 | sc.RUN1_L2 if r[0] == sc.L2 or r[2] == "2026-10-02")
    [note] = run["alerts"]
    assert note.payload["missing_files"] == [] and "missing files" not in note.body
    assert note.payload["resolved"] >= 2


def test_a_break_recorded_as_missing_input_is_resolved_once_under_its_new_name(world):
    old = _breaks(world["run2"], sc.DQ, "missing_input")
    assert [(b["file_name"], b["status"], b["resolved_at"]) for b in old] == [(LATE_EXTRACT, "resolved", RUN1)]
    events = rows(world["url"], "select e.change, e.as_of from audit.reconciliation_break_events as e "
                                "join audit.reconciliation_breaks as b using (break_id) "
                                "where b.break_type = 'missing_input' order by e.as_of")
    assert [(e["change"], e["as_of"]) for e in events] == [("opened", datetime(2026, 10, 2, 13, tzinfo=UTC)),
                                                            ("resolved", RUN1)]
