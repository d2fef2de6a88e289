"""A catalogue whose units are written the informal ways, landed: dim_skus carries each SKU's FOCUS unit, and a unit
FOCUS's Unit Format cannot read is a data-quality break naming the SKU (and is exported as given)."""

from __future__ import annotations

from iaas_billing.base import dbt_runner

from .conftest import CATALOG_HEADER

# sku, charge type, unit as the catalogue writes it -> FOCUS 1.2 unit (hand-written), or None: not normalised
UNITS = [
    ("cpu", "hourly", "vcpu", "vCPU-Hours"),
    ("ram", "hourly", "GB-hour", "GB-Hours"),
    ("ip", "hourly", "IP-hour", "IP-Hours"),
    ("win", "monthly", "licence-month", "License-Months"),
    ("sup", "monthly", "plan-month", "Plan-Months"),
    ("ctl", "hourly", "per hour", "Hours"),
    ("bak", "monthly", "GB /month", "GB-Months"),
    ("vm", "hourly", "Instances", "Instance-Hours"),
    ("cert", "annual", "certificate", "Certificate-Years"),
    ("setup", "one_time", "each", "Units"),
    ("blk", "monthly", "10 GB block", None),
    ("ssd", "hourly", "GB-month", None),
]


def test_landed_catalogue_units_become_focus_units_or_breaks(fresh_url, inbox, land, sql):
    inbox.lines("catalog_20261001.csv", CATALOG_HEADER,
                *[f"{sku},{sku.upper()},compute,{charge},{unit},SO,EUR,1,,2026-10-01" for sku, charge, unit, _ in UNITS])
    report = land()
    assert report.rows_loaded == len(UNITS) and not report.rejected_files and not report.quarantined_files
    dbt_runner.run_dbt(["build", "--select", "+dim_skus", "+recon_dq_breaks",
                        "--exclude", "resource_type:test", "resource_type:unit_test"], url=fresh_url)
    got = dict((sku, (unit, ok)) for sku, unit, ok in sql(
        "select sku, focus_unit, is_focus_unit_normalised from marts.dim_skus"))
    assert got == {sku: (focus or unit, focus is not None) for sku, _, unit, focus in UNITS}
    breaks = sql("select sku, break_key, business_date::text, file_name, line_number, detail from marts.recon_dq_breaks"
                 " where break_type = 'unnormalised_unit' order by sku")
    assert [b[:5] for b in breaks] == [
        ("blk", "blk|10 GB block", "2026-10-01", "catalog_20261001.csv", 12),
        ("ssd", "ssd|GB-month", "2026-10-01", "catalog_20261001.csv", 13)]
    assert breaks[1][5] == ("SKU ssd: unit 'GB-month' (hourly) is not in FOCUS's Unit Format; the FOCUS export "
                            "carries it as given")
