"""The dbt models over the landing: the published file register and quarantine, and the expected inputs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from iaas_billing.base import dbt_runner

from .conftest import CONTROL_HEADER, FINANCE_HEADER, PRIMARY_HEADER, event

MODELS = ["stg_inbox__inbox_files", "stg_inbox__order_events", "stg_inbox__quarantined_rows",
          "stg_inbox__superseded_rows", "stg_inbox__order_event_repeats",
          "int_inbox_file_versions", "int_inbox_files_scheduled", "int_inbox_files_expected", "fct_inbox_files",
          "fct_quarantined_rows"]


@pytest.mark.rule("8.1", "8.2")
def test_published_register_quarantine_and_missing_inputs(inbox, land, sql, fresh_url):
    # The stream runs from 2026-10-01 22:00 to 2026-10-03 00:00; extract T23 of 10-01 and T05 of 10-02 never come.
    for day, hours in (("20261001", range(22, 23)), ("20261002", [h for h in range(24) if h != 5]),
                       ("20261003", [0])):
        for hour in hours:
            inbox.write(f"orders_{day}T{hour:02d}.jsonl", "")
    inbox.lines("orders_20261002T07.jsonl", event("e1", time="2026-10-02T07:10:00Z"), "not json")
    inbox.lines("orderstream_control_20261001.csv", CONTROL_HEADER, "2026-10-01,ACC-1,CREATE,1")
    inbox.lines("primary_billing_20261001.csv", PRIMARY_HEADER, "2026-10-01,ACC-1,cpu,EUR,1")
    inbox.lines("primary_billing_20261001.csv", PRIMARY_HEADER, "2026-10-01,ACC-1,cpu,EUR,2")  # overwritten
    inbox.lines("primary_billing_20261002.csv", PRIMARY_HEADER, "2026-10-02,ACC-1,cpu,EUR,1")
    land(datetime(2026, 10, 3, 1, tzinfo=UTC))
    inbox.lines("finance_gl_202610.csv", FINANCE_HEADER, "2026-10,ACC-1,EUR,3")  # delivered 11-01, not yet seen
    # version 2 of primary billing 10-01
    inbox.lines("primary_billing_20261001.csv", PRIMARY_HEADER, "2026-10-01,ACC-1,cpu,EUR,3",
                "2026-10-01,ACC-1,mem,EUR,4")
    land(datetime(2026, 10, 3, 1, tzinfo=UTC))

    as_of = datetime(2026, 10, 3, 3, tzinfo=UTC)
    dbt_runner.run_dbt(["build", "--select", *MODELS], url=fresh_url, as_of=as_of)

    # The last landed event is on 10-02: control and primary billing are expected for 10-01 and 10-02 (both
    # days over by 10-03 03:00), finance for no month (October is not over). Extracts from 10-01 22:00 to
    # the latest landed (10-03 00:00), each due 2 h after its delivery at HH:00 + 1 h: all of them by 03:00.
    missing = sql("select file_kind, file_name, due_at from intermediate.int_inbox_files_expected "
                  "where not has_arrived order by file_name")
    assert missing == [
        ("orders", "orders_20261001T23.jsonl", datetime(2026, 10, 2, 2, tzinfo=UTC)),
        ("orders", "orders_20261002T05.jsonl", datetime(2026, 10, 2, 8, tzinfo=UTC)),
        ("control", "orderstream_control_20261002.csv", datetime(2026, 10, 3, tzinfo=UTC)),
    ]
    assert sql("select file_kind, count(*) from intermediate.int_inbox_files_expected group by 1 order by 1") == [
        ("control", 2), ("orders", 27), ("primary_billing", 2)]

    assert sql("select file_name, file_version, rows_read, rows_loaded, rows_quarantined, rows_superseded, status, "
               "is_latest_version from marts.fct_inbox_files where file_name like 'primary%%' "
               "order by file_name, file_version") == [
        ("primary_billing_20261001.csv", 1, 1, 1, 0, 1, "landed", False),
        ("primary_billing_20261001.csv", 2, 2, 2, 0, 0, "landed", True),
        ("primary_billing_20261002.csv", 1, 1, 1, 0, 0, "landed", True)]
    assert sql("select file_name, line_number, reason_code, raw_record, is_latest_version "
               "from marts.fct_quarantined_rows") == [("orders_20261002T07.jsonl", 2, "not_json", "not json", True)]


def test_a_day_upstream_has_closed_expects_all_24_extracts(inbox, land, sql, fresh_url):
    # The stream falls silent after 10-02 20:00 (nothing landed after it), but primary billing has closed the
    # day: the day's last three extracts are missing all the same, not outside the stream's range.
    for hour in range(21):
        inbox.write(f"orders_20261002T{hour:02d}.jsonl", "")
    inbox.lines("orders_20261002T07.jsonl", event("e1", time="2026-10-02T07:10:00Z"))
    inbox.lines("primary_billing_20261002.csv", PRIMARY_HEADER, "2026-10-02,ACC-1,cpu,EUR,1")
    land(datetime(2026, 10, 3, 1, tzinfo=UTC))
    dbt_runner.run_dbt(["build", "--select", *MODELS], url=fresh_url, as_of=datetime(2026, 10, 3, 1, tzinfo=UTC))

    # at 01:00 the 23:00 extract is scheduled but not due yet (delivered 00:00, due 02:00), October's finance
    # file neither (due when the month is over)
    assert sql("select file_name, is_due from intermediate.int_inbox_files_scheduled where not has_arrived "
               "order by file_name") == [("finance_gl_202610.csv", False), ("orders_20261002T21.jsonl", True),
                                         ("orders_20261002T22.jsonl", True), ("orders_20261002T23.jsonl", False),
                                         ("orderstream_control_20261002.csv", True)]
    assert sql("select file_name from intermediate.int_inbox_files_expected where not has_arrived "
               "order by file_name") == [("orders_20261002T21.jsonl",), ("orders_20261002T22.jsonl",),
                                         ("orderstream_control_20261002.csv",)]
