"""Hand-made inbox files for the reconciliation tests, with the breaks they must give, computed by hand.

Prices (effective 2026-09-01), hourly, per unit-hour:
  cpu.std.vcpu  SO: EUR 0.05, JPY 5, BHD 0.014   HO: EUR 0.03, JPY 3, BHD 0.009
  mem.std.gb    SO: EUR 0.01                      HO: EUR 0.005
  stor.ssd.gb   SO: EUR 0.0001                    HO: EUR 0.00005
Accounts: ACC-1 DE/EUR, ACC-2 JP/JPY, ACC-3 BH/BHD (ACC-7 US/USD only from accounts_20261004; no
USD price exists, so its usage is unpriced).

Resources (SO amounts):
  vm-1 ACC-1 cpu 4 + mem 8, 2026-10-01 10:00 -> 10-02 10:00
       10-01: cpu 14h*4*0.05 = 2.80, mem 14h*8*0.01 = 1.12 ; 10-02: cpu 2.00, mem 0.80
  vm-4 ACC-1 stor 100, from 10-01 12:00, never decommissioned: 0.01 EUR an hour
       10-01: 0.12 ; 10-02: 0.24 ; October: 732h -> 7.32
  vm-2 ACC-2 cpu 2, 10-01 10:00 -> 10-02 10:00: 10-01 140 JPY, 10-02 100 JPY, October 240
  vm-3 ACC-3 cpu 1, 10-01 10:00 -> 10-02 10:00 (the DECOMMISSION, e-8, lands late, on 10-05):
       10-01: 0.196 ; 10-02: 0.140 (0.336 while e-8 has not landed) ; October 0.336
  vm-7 ACC-7 cpu 1, 10-01 15:00 -> 20:00: held until ACC-7 arrives, then unpriced (SO and HO)
October SO invoices: ACC-1 4.80 + 1.92 + 7.32 = 14.04 EUR, ACC-2 240 JPY, ACC-3 0.336 BHD.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from tests import tax_tables

L1 = "L1_PRIMARY_VS_SECONDARY"
L2 = "L2_ORDERSTREAM_VS_BILLING"
L3 = "L3_FINANCE_VS_ORDERSTREAM"
DQ = "DATA_QUALITY"

CATALOG = """sku,product_name,category,charge_type,unit,tenant,currency,unit_price,idle_unit_price,effective_from
cpu.std.vcpu,Standard vCPU,compute,hourly,vcpu-hour,SO,EUR,0.05,0,2026-09-01
cpu.std.vcpu,Standard vCPU,compute,hourly,vcpu-hour,HO,EUR,0.03,0,2026-09-01
cpu.std.vcpu,Standard vCPU,compute,hourly,vcpu-hour,SO,JPY,5,0,2026-09-01
cpu.std.vcpu,Standard vCPU,compute,hourly,vcpu-hour,HO,JPY,3,0,2026-09-01
cpu.std.vcpu,Standard vCPU,compute,hourly,vcpu-hour,SO,BHD,0.014,0,2026-09-01
cpu.std.vcpu,Standard vCPU,compute,hourly,vcpu-hour,HO,BHD,0.009,0,2026-09-01
mem.std.gb,Standard memory,memory,hourly,gb-hour,SO,EUR,0.01,0,2026-09-01
mem.std.gb,Standard memory,memory,hourly,gb-hour,HO,EUR,0.005,0,2026-09-01
stor.ssd.gb,SSD storage,storage,hourly,gb-hour,SO,EUR,0.0001,0.0001,2026-09-01
stor.ssd.gb,SSD storage,storage,hourly,gb-hour,HO,EUR,0.00005,0.00005,2026-09-01
"""

ACCOUNTS = """account_id,account_name,country,currency,created_at
ACC-1,Berlin GmbH,DE,EUR,2026-09-01T00:00:00Z
ACC-2,Kaisha KK,JP,JPY,2026-09-01T00:00:00Z
ACC-3,Manama Trading WLL,BH,BHD,2026-09-01T00:00:00Z
"""


def event(event_id, time, seq, account, resource, event_type, components=None):
    body = {"event_id": event_id, "event_time": time, "seq": seq, "account_id": account,
            "resource_id": resource, "resource_type": "vm", "region": "eu-central", "event_type": event_type}
    if components is not None:
        body["components"] = [{"sku": sku, "quantity": q} for sku, q in components]
    return json.dumps(body)


VM1 = [("cpu.std.vcpu", 4), ("mem.std.gb", 8)]
E1 = event("e-1", "2026-10-01T10:00:00Z", 1, "ACC-1", "vm-1", "CREATE", VM1)
E2 = event("e-2", "2026-10-01T10:00:00Z", 1, "ACC-2", "vm-2", "CREATE", [("cpu.std.vcpu", 2)])
E2_CONFLICT = event("e-2", "2026-10-01T10:00:00Z", 1, "ACC-2", "vm-2", "CREATE", [("cpu.std.vcpu", 3)])
E3 = event("e-3", "2026-10-01T10:00:00Z", 1, "ACC-3", "vm-3", "CREATE", [("cpu.std.vcpu", 1)])
E4 = event("e-4", "2026-10-01T12:00:00Z", 1, "ACC-1", "vm-4", "CREATE", [("stor.ssd.gb", 100)])
E5 = event("e-5", "2026-10-01T11:00:00Z", 2, "ACC-1", "vm-1", "MODIFY", VM1)  # a no-op duplicate
E6 = event("e-6", "2026-10-02T10:00:00Z", 3, "ACC-1", "vm-1", "DECOMMISSION")
E7 = event("e-7", "2026-10-02T10:00:00Z", 3, "ACC-2", "vm-2", "DECOMMISSION")
E8 = event("e-8", "2026-10-02T10:00:00Z", 2, "ACC-3", "vm-3", "DECOMMISSION")  # lands late
E9 = event("e-9", "2026-10-01T15:00:00Z", 1, "ACC-7", "vm-7", "CREATE", [("cpu.std.vcpu", 1)])
E10 = event("e-10", "2026-10-01T20:00:00Z", 2, "ACC-7", "vm-7", "DECOMMISSION")
E11 = event("e-11", "2026-10-01T16:00:00Z", 2, "ACC-2", "vm-2", "RESUME")  # vm-2 is running: anomaly

CONTROL_HEADER = "event_date,account_id,event_type,event_count\n"
PRIMARY_HEADER = "usage_date,account_id,sku,currency,amount\n"


def first_inbox(missing: tuple[str, ...] = ()) -> dict[str, str]:
    """Everything delivered by 2026-10-03T02:00 (run 1), but the files named in `missing`."""
    files = {name: text for name, text in _first_files().items() if name not in missing}
    return empty_hours("20261001T00", "20261003T00", files, skip=missing)


def _first_files() -> dict[str, str]:
    return {
        # the tax tables the bill run needs to close a period with SO lines (rules §9)
        f"tax_rates_{tax_tables.SNAPSHOT}.csv": tax_tables.tax_rates_csv(),
        f"sales_entities_{tax_tables.SNAPSHOT}.csv": tax_tables.sales_entities_csv(),
        "catalog_20261001_initial.csv": CATALOG,
        "accounts_20261001.csv": ACCOUNTS,
        # a later snapshot tries to change ACC-1's currency: kept EUR, reported
        "accounts_20261002.csv": ACCOUNTS.replace("ACC-1,Berlin GmbH,DE,EUR", "ACC-1,Berlin GmbH,DE,USD"),
        # one bad row rejects a whole price upload (rows read 2, loaded 0)
        "catalog_20261002_bad.csv": CATALOG.splitlines()[0] + "\n"
        + "gpu.a100,GPU,compute,hourly,gpu-hour,SO,EUR,2.5,0,2026-10-02\n"
        + "gpu.a100,GPU,compute,hourly,gpu-hour,SO,XXX,2.5,0,2026-10-02\n",
        "orders_20261001T10.jsonl": "\n".join([E1, E2, E3]) + "\n",
        # e-1 again, same content (ordinary mess); e-2 again with other content (a conflict); e-5 a duplicate MODIFY
        "orders_20261001T11.jsonl": "\n".join([E1, E2_CONFLICT, E5]) + "\n",
        "orders_20261001T12.jsonl": E4 + "\n{not json\n",
        "orders_20261001T15.jsonl": E9 + "\n",
        "orders_20261001T16.jsonl": E11 + "\n",
        "orders_20261001T20.jsonl": E10 + "\n",
        "orders_20261002T10.jsonl": "\n".join([E6, E7]) + "\n",
        "orderstream_control_20261001.csv": CONTROL_HEADER
        + "2026-10-01,ACC-1,CREATE,2\n"
        + "2026-10-01,ACC-2,CREATE,1\n"
        + "2026-10-01,ACC-2,MODIFY,1\n"  # emitted, never delivered: a shortfall
        + "2026-10-01,ACC-2,RESUME,1\n"
        + "2026-10-01,ACC-3,CREATE,1\n"
        + "2026-10-01,ACC-7,CREATE,1\n"
        + "2026-10-01,ACC-7,DECOMMISSION,1\n",  # ACC-1 MODIFY (e-5) is not counted: an excess
        "orderstream_control_20261002.csv": CONTROL_HEADER
        + "2026-10-02,ACC-1,DECOMMISSION,1\n"
        + "2026-10-02,ACC-2,DECOMMISSION,1\n"
        + "2026-10-02,ACC-3,DECOMMISSION,1\n",  # e-8 lands only on 10-05
        "primary_billing_20261001.csv": PRIMARY_HEADER
        + "2026-10-01,ACC-1,cpu.std.vcpu,EUR,2.81\n"  # one minor unit off: no break
        + "2026-10-01,ACC-1,stor.ssd.gb,EUR,0.12\n"  # (mem.std.gb 1.12 missing: missing_in_primary)
        + "2026-10-01,ACC-2,cpu.std.vcpu,JPY,142\n"  # 2 yen off: amount_mismatch
        + "2026-10-01,ACC-3,cpu.std.vcpu,BHD,0.197\n"  # one minor unit (0.001) off: no break
        + "2026-10-01,ACC-3,lb.std.unit,BHD,5.000\n",  # we have no such line: missing_in_platform
        "primary_billing_20261002.csv": PRIMARY_HEADER
        + "2026-10-02,ACC-1,cpu.std.vcpu,EUR,2.00\n"
        + "2026-10-02,ACC-1,mem.std.gb,EUR,0.80\n"
        + "2026-10-02,ACC-1,stor.ssd.gb,EUR,0.24\n"
        + "2026-10-02,ACC-2,cpu.std.vcpu,JPY,110\n"  # 10 yen off until version 2
        + "2026-10-02,ACC-3,cpu.std.vcpu,BHD,0.140\n"  # right, but we rate 0.336 until e-8 lands
        + "2026-10-02,ACC-1,net.egress.gb,EUR,abc\n",  # line 7: quarantined (until version 2)
    }


def second_inbox() -> dict[str, str]:
    """Files added before run 2 (2026-11-01T02:00): later data that clears some breaks."""
    return empty_hours("20261001T00", "20261005T10", _second_files(), skip=tuple(_first_files()))


def _second_files() -> dict[str, str]:
    return {
        "orders_20261005T10.jsonl": E8 + "\n",  # the late DECOMMISSION of vm-3
        "accounts_20261004.csv": ACCOUNTS + "ACC-7,Acme Inc,US,USD,2026-09-01T00:00:00Z\n",
        # version 2 of the 10-02 primary billing file supersedes version 1
        "primary_billing_20261002.csv": PRIMARY_HEADER
        + "2026-10-02,ACC-1,cpu.std.vcpu,EUR,2.00\n"
        + "2026-10-02,ACC-1,mem.std.gb,EUR,0.80\n"
        + "2026-10-02,ACC-1,stor.ssd.gb,EUR,0.24\n"
        + "2026-10-02,ACC-2,cpu.std.vcpu,JPY,100\n"
        + "2026-10-02,ACC-3,cpu.std.vcpu,BHD,0.140\n",
        "finance_gl_202610.csv": "period,account_id,currency,posted_revenue\n"
        + "2026-10,ACC-1,EUR,14.04\n"
        + "2026-10,ACC-2,JPY,250\n"  # the invoice says 240
        + "2026-10,ACC-9,USD,100.00\n",  # no such invoice; ACC-3's 0.336 BHD is not posted
    }


def empty_hours(first: str, last: str, files: dict[str, str], skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Empty hourly extracts (an hour without events) for every hour from `first` to `last`
    (YYYYMMDDTHH) that `files` has no extract for: the order stream writes one every hour."""
    from datetime import datetime, timedelta

    out = dict(files)
    hour, end = datetime.strptime(first, "%Y%m%dT%H"), datetime.strptime(last, "%Y%m%dT%H")
    while hour <= end:
        name = f"orders_{hour:%Y%m%dT%H}.jsonl"
        if name not in out and name not in skip:
            out[name] = ""
        hour += timedelta(hours=1)
    return out


def write(inbox: Path, files: dict[str, str]) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (inbox / name).write_text(text, encoding="utf-8")


def D(text) -> Decimal:  # noqa: N802
    return Decimal(str(text))


# (level, break_type, business_date, account_id, sku, expected, actual, difference, currency)
RUN1_L1 = {
    (L1, "missing_in_primary", "2026-10-01", "ACC-1", "mem.std.gb", D("1.12"), D(0), D("-1.12"), "EUR"),
    (L1, "amount_mismatch", "2026-10-01", "ACC-2", "cpu.std.vcpu", D(140), D(142), D(2), "JPY"),
    (L1, "missing_in_platform", "2026-10-01", "ACC-3", "lb.std.unit", D(0), D(5), D(5), "BHD"),
    (L1, "amount_mismatch", "2026-10-02", "ACC-2", "cpu.std.vcpu", D(100), D(110), D(10), "JPY"),
    (L1, "amount_mismatch", "2026-10-02", "ACC-3", "cpu.std.vcpu", D("0.336"), D("0.14"), D("-0.196"), "BHD"),
}
RUN1_L2 = {
    (L2, "count_excess", "2026-10-01", "ACC-1", None, D(0), D(1), D(1), None),
    (L2, "count_shortfall", "2026-10-01", "ACC-2", None, D(1), D(0), D(-1), None),
    (L2, "count_shortfall", "2026-10-02", "ACC-3", None, D(1), D(0), D(-1), None),
}
# data-quality breaks: (level, break_type, business_date, account_id, sku) and a word of the detail
RUN1_DQ = {
    (DQ, "quarantined_row", "2026-10-01", None, None, "orders_20261001T12.jsonl"),
    (DQ, "quarantined_row", "2026-10-02", "ACC-1", None, "primary_billing_20261002.csv"),
    (DQ, "rejected_file", "2026-10-02", None, None, "catalog_20261002_bad.csv"),
    (DQ, "held_event", "2026-10-01", "ACC-7", None, "e-9"),
    (DQ, "held_event", "2026-10-01", "ACC-7", None, "e-10"),
    (DQ, "lifecycle_anomaly", "2026-10-01", "ACC-2", None, "e-11"),
    (DQ, "conflicting_duplicate", "2026-10-01", "ACC-2", None, "e-2"),
    (DQ, "currency_change", "2026-10-02", "ACC-1", None, "USD"),
}

# run 2: what later data cleared, and what is new
RUN2_RESOLVED = {
    (L1, "amount_mismatch", "2026-10-02", "ACC-2", "cpu.std.vcpu"),  # primary billing version 2
    (L1, "amount_mismatch", "2026-10-02", "ACC-3", "cpu.std.vcpu"),  # e-8 landed: we rate 0.140 now
    (L2, "count_shortfall", "2026-10-02", "ACC-3", None),  # e-8 landed
    (DQ, "quarantined_row", "2026-10-02", "ACC-1", None),  # its file version was superseded
    (DQ, "held_event", "2026-10-01", "ACC-7", None),  # x2: ACC-7 arrived
}
RUN2_L3 = {
    (L3, "amount_mismatch", "2026-10-01", "ACC-2", None, D(240), D(250), D(10), "JPY"),
    (L3, "missing_in_finance", "2026-10-01", "ACC-3", None, D("0.336"), D(0), D("-0.336"), "BHD"),
    (L3, "missing_in_platform", "2026-10-01", "ACC-9", None, D(0), D(100), D(100), "USD"),
}
RUN2_NEW_DQ = {  # one break per day, account and SKU, both tenants together
    (DQ, "unpriced_usage", "2026-10-01", "ACC-7", "cpu.std.vcpu", "no HO, SO price"),
}
# no fx_rates file: once October is closed, its three invoice currencies have no rate to USD
RUN2_FX = {("2026-10-01", "BHD"), ("2026-10-01", "EUR"), ("2026-10-01", "JPY")}
