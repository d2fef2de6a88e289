"""A small hand-made billing world (accounts, catalogue, fx rates, issued invoices and their lineage) for the finance
tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import psycopg

from tests import tax_tables
from tests.rating.raw_rows import insert_tax_tables

OCT, SEP = date(2026, 10, 1), date(2026, 9, 1)

ACCOUNTS = [  # account_id, name, country, currency
    ("ACC-001", "Acme Cloud Inc", "US", "USD"),
    ("ACC-002", "Kabushiki Kaisha Sora", "JP", "JPY"),
    ("ACC-003", "Manama Data WLL", "BH", "BHD"),
    ("ACC-004", "Berliner Rechen GmbH", "DE", "EUR"),
]

# rules §9, the accounts file's optional columns: account -> (tax_id, payment_terms_days); None = empty (30 days)
ACCOUNT_TERMS = {
    "ACC-001": (None, None),
    "ACC-002": ("T7010001008844", 45),
    "ACC-003": (None, 60),
    "ACC-004": ("DE129273398", 15),  # a German customer with a VAT ID: reverse charge
}

SKUS = [  # sku, product_name, category, charge_type, unit
    ("cpu.std.vcpu", "Standard vCPU", "compute", "hourly", "vCPU"),
    ("mem.std.gb", "Standard memory", "memory", "hourly", "GB"),
    ("stor.ssd.gb", "SSD block storage", "storage", "monthly", "GB"),
    ("lic.win.core", "Windows Server licence", "license", "annual", "core"),
    ("setup.fee", "Onboarding", "service", "one_time", "each"),
]

# (tenant, account, period, sku, rate_kind, unit_price, quantity, amount, adjusted_period)
LINES = [
    ("SO", "ACC-001", OCT, "cpu.std.vcpu", "standard", D("0.04"), D("1488"), D("59.52"), None),
    ("SO", "ACC-001", OCT, "mem.std.gb", "standard", D("0.005"), D("5952"), D("29.76"), None),
    ("SO", "ACC-001", OCT, "stor.ssd.gb", "standard", D("0.10"), D("100"), D("10.00"), None),
    ("SO", "ACC-001", OCT, "cpu.std.vcpu", "standard", D("0.04"), D("24"), D("0.96"), SEP),
    ("HO", "ACC-001", OCT, "cpu.std.vcpu", "standard", D("0.025"), D("1488"), D("37.20"), None),
    ("HO", "ACC-001", OCT, "mem.std.gb", "standard", D("0.003"), D("5952"), D("17.86"), None),
    ("HO", "ACC-001", OCT, "stor.ssd.gb", "standard", D("0.12"), D("100"), D("12.00"), None),
    ("HO", "ACC-001", OCT, "cpu.std.vcpu", "standard", D("0.025"), D("24"), D("0.60"), SEP),
    ("SO", "ACC-002", OCT, "cpu.std.vcpu", "standard", D("6"), D("744"), D("4464"), None),
    ("SO", "ACC-002", OCT, "lic.win.core", "standard", D("1200"), D("4"), D("4800"), None),
    ("HO", "ACC-002", OCT, "cpu.std.vcpu", "standard", D("4"), D("744"), D("2976"), None),
    ("HO", "ACC-002", OCT, "lic.win.core", "standard", D("1500"), D("4"), D("6000"), None),
    ("SO", "ACC-003", OCT, "cpu.std.vcpu", "standard", D("0.015"), D("744"), D("11.160"), None),
    ("SO", "ACC-003", OCT, "cpu.std.vcpu", "idle", D("0.005"), D("100"), D("0.500"), None),
    ("SO", "ACC-003", OCT, "stor.ssd.gb", "standard", D("0.038"), D("50"), D("1.900"), None),
    ("HO", "ACC-003", OCT, "cpu.std.vcpu", "standard", D("0.010"), D("744"), D("7.440"), None),
    ("HO", "ACC-003", OCT, "cpu.std.vcpu", "idle", D("0.004"), D("100"), D("0.400"), None),
    ("HO", "ACC-003", OCT, "stor.ssd.gb", "standard", D("0.030"), D("50"), D("1.500"), None),
    ("SO", "ACC-004", OCT, "setup.fee", "standard", D("50"), D("1"), D("50.00"), None),
    ("SO", "ACC-004", OCT, "cpu.std.vcpu", "standard", D("0.036"), D("100"), D("3.60"), None),
    ("HO", "ACC-004", OCT, "setup.fee", "standard", D("80"), D("1"), D("80.00"), None),
    ("HO", "ACC-004", OCT, "cpu.std.vcpu", "standard", D("0.022"), D("100"), D("2.20"), None),
    ("SO", "ACC-001", SEP, "cpu.std.vcpu", "standard", D("0.04"), D("1440"), D("57.60"), None),
    ("HO", "ACC-001", SEP, "cpu.std.vcpu", "standard", D("0.025"), D("1440"), D("36.00"), None),
    ("SO", "ACC-002", SEP, "cpu.std.vcpu", "standard", D("6"), D("720"), D("4320"), None),
    ("HO", "ACC-002", SEP, "cpu.std.vcpu", "standard", D("4"), D("720"), D("2880"), None),
    ("SO", "ACC-004", SEP, "cpu.std.vcpu", "standard", D("0.036"), D("200"), D("7.20"), None),
    ("HO", "ACC-004", SEP, "cpu.std.vcpu", "standard", D("0.022"), D("200"), D("4.40"), None),
]

# Invoice totals by hand (sum of the lines above).
TOTALS = {
    ("SO", "ACC-001", OCT): D("100.24"), ("HO", "ACC-001", OCT): D("67.66"),
    ("SO", "ACC-002", OCT): D("9264"), ("HO", "ACC-002", OCT): D("8976"),
    ("SO", "ACC-003", OCT): D("13.560"), ("HO", "ACC-003", OCT): D("9.340"),
    ("SO", "ACC-004", OCT): D("53.60"), ("HO", "ACC-004", OCT): D("82.20"),
    ("SO", "ACC-001", SEP): D("57.60"), ("HO", "ACC-001", SEP): D("36.00"),
    ("SO", "ACC-002", SEP): D("4320"), ("HO", "ACC-002", SEP): D("2880"),
    ("SO", "ACC-004", SEP): D("7.20"), ("HO", "ACC-004", SEP): D("4.40"),
}

# The tax of each SO line (rules §9), by (account, the period its charges belong to): tax_name, rate,
# reverse charge. The US rate went from 6 % (September) to 7.25 % on 2026-10-01, so ACC-001's October invoice
# taxes its September adjustment at 6 %. Germany is reverse charge (ACC-004 has a tax_id): rate 0.
LINE_TAX = {
    ("ACC-001", SEP): ("Sales tax", D("0.06"), False), ("ACC-001", OCT): ("Sales tax", D("0.0725"), False),
    ("ACC-002", SEP): ("Consumption tax", D("0.10"), False), ("ACC-002", OCT): ("Consumption tax", D("0.10"), False),
    ("ACC-003", OCT): ("VAT", D("0.10"), False),
    ("ACC-004", SEP): ("VAT", D(0), True), ("ACC-004", OCT): ("VAT", D(0), True),
}
# fct_invoice_taxes by hand: (account, period) -> [(tax_name, rate, reverse charge, taxable, tax)]
#   ACC-001 Oct: 59.52 + 29.76 + 10.00 = 99.28 x 0.0725 = 7.1978 -> 7.20; Sep adjustment 0.96 x 0.06 = 0.0576 -> 0.06
#   ACC-002 Oct: 9264 x 0.10 = 926.4 -> 926 (JPY, no decimals); ACC-003 Oct: 13.560 x 0.10 = 1.356 (BHD, three)
#   ACC-001 Sep: 57.60 x 0.06 = 3.456 -> 3.46; ACC-002 Sep: 4320 x 0.10 = 432; ACC-004: reverse charge, 0
TAXES = {
    ("ACC-001", OCT): [("Sales tax", D("0.0725"), False, D("99.28"), D("7.20")),
                       ("Sales tax", D("0.06"), False, D("0.96"), D("0.06"))],
    ("ACC-002", OCT): [("Consumption tax", D("0.10"), False, D("9264"), D("926"))],
    ("ACC-003", OCT): [("VAT", D("0.10"), False, D("13.560"), D("1.356"))],
    ("ACC-004", OCT): [("VAT", D(0), True, D("53.60"), D("0.00"))],
    ("ACC-001", SEP): [("Sales tax", D("0.06"), False, D("57.60"), D("3.46"))],
    ("ACC-002", SEP): [("Consumption tax", D("0.10"), False, D("4320"), D("432"))],
    ("ACC-004", SEP): [("VAT", D(0), True, D("7.20"), D("0.00"))],
}
# due dates by hand: issued on the 1st of the next month at 01:00 UTC, plus the terms (30 where empty)
DUE_DATES = {
    ("ACC-001", OCT): date(2026, 12, 1), ("ACC-002", OCT): date(2026, 12, 16),
    ("ACC-003", OCT): date(2026, 12, 31), ("ACC-004", OCT): date(2026, 11, 16),
    ("ACC-001", SEP): date(2026, 10, 31), ("ACC-002", SEP): date(2026, 11, 15), ("ACC-004", SEP): date(2026, 10, 16),
}

# fx_rates files in landing order; fx_rates_202609.csv comes twice (v2 corrects JPY). No EUR for
# September: (2026-09, EUR) is a missing rate. USD is never sent (1 by definition).
FX_FILES = [
    ("fx_rates_202609.csv", [(SEP, "JPY", D("0.0067"))]),
    ("fx_rates_202609.csv", [(SEP, "JPY", D("0.0068"))]),
    ("fx_rates_202610.csv", [(OCT, "JPY", D("0.0066")), (OCT, "BHD", D("2.6596")), (OCT, "EUR", D("1.08"))]),
]

INVOICE_LINES_DDL = """
create table if not exists {schema}.fct_invoice_lines (
    invoice_id text, tenant text, account_id text, billing_period date, sku text, charge_type text,
    rate_kind text, unit_price numeric, quantity numeric, currency text, amount numeric, adjusted_period date,
    line_number integer, tax_name text, tax_rate numeric, is_reverse_charge boolean)
"""
INVOICES_DDL = """
create table if not exists {schema}.fct_invoices (
    invoice_id text, tenant text, account_id text, billing_period date, currency text,
    total_amount numeric, line_count integer, issued_at timestamptz, country text, net_amount numeric,
    tax_amount numeric, gross_amount numeric, payment_terms_days integer, due_date date, issuer_legal_name text,
    issuer_address text, issuer_tax_registration_id text, customer_tax_id text, has_reverse_charge boolean)
"""
INVOICE_TAXES_DDL = """
create table if not exists {schema}.fct_invoice_taxes (
    invoice_id text, account_id text, billing_period date, currency text, tax_name text, rate numeric,
    is_reverse_charge boolean, taxable_amount numeric, tax_amount numeric, issued_at timestamptz)
"""
BREAKS_DDL = """
create table if not exists marts.fct_reconciliation_breaks (
    recon_level text, break_type text, business_date date, account_id text, sku text, expected numeric,
    actual numeric, difference numeric, currency text, status text, detail text, detected_at timestamptz)
"""


# The resources behind the lines (billing.invoice_line_sources, the lineage the bill run writes with each line):
# per line key (account, period, sku, rate_kind, the period the key bills), the quantity each resource put on it,
# in the line's units (unit-hours, unit-months, units); both tenants rate the same usage. A regular line's
# sources sum to its quantity. An adjustment line's are its whole re-rated key: September's cpu of ACC-001 was
# re-rated from 720 + 720 to 714 + 750 unit-hours, so the adjustment is -6 (vm-001-a) and +30 (vm-001-b).
SOURCES = {
    ("ACC-001", OCT, "cpu.std.vcpu", "standard", OCT): [("vm-001-a", D("1000.5")), ("vm-001-b", D("487.5"))],
    ("ACC-001", OCT, "mem.std.gb", "standard", OCT): [("vm-001-a", D("4000.5")), ("vm-001-b", D("1951.5"))],
    ("ACC-001", OCT, "stor.ssd.gb", "standard", OCT): [("vol-001-a", D(60)), ("vol-001-b", D(40))],
    ("ACC-001", OCT, "cpu.std.vcpu", "standard", SEP): [("vm-001-a", D(714)), ("vm-001-b", D(750))],
    ("ACC-001", SEP, "cpu.std.vcpu", "standard", SEP): [("vm-001-a", D(720)), ("vm-001-b", D(720))],
    ("ACC-002", OCT, "cpu.std.vcpu", "standard", OCT): [("vm-002-a", D("248.25")), ("vm-002-b", D("248.25")),
                                                        ("vm-002-c", D("247.5"))],
    ("ACC-002", OCT, "lic.win.core", "standard", OCT): [("vm-002-a", D(4))],
    ("ACC-002", SEP, "cpu.std.vcpu", "standard", SEP): [("vm-002-a", D(360)), ("vm-002-b", D(360))],
    ("ACC-003", OCT, "cpu.std.vcpu", "standard", OCT): [("vm-003-a", D(744))],
    ("ACC-003", OCT, "cpu.std.vcpu", "idle", OCT): [("vm-003-a", D(100))],
    ("ACC-003", OCT, "stor.ssd.gb", "standard", OCT): [("vol-003-a", D(50))],
    ("ACC-004", OCT, "setup.fee", "standard", OCT): [("vm-004-a", D(1))],
    # thirds of 100 unit-hours: 33.33... and 66.66..., exact only as fractions
    ("ACC-004", OCT, "cpu.std.vcpu", "standard", OCT): [("vm-004-a", D(100) / 3), ("vm-004-b", D(200) / 3)],
    ("ACC-004", SEP, "cpu.std.vcpu", "standard", SEP): [("vm-004-a", D(200))],
}
# the sources' seconds x quantity numerators for the thirds above, exactly (D(100) / 3 is not exact)
NUMERATOR_OVERRIDES = {
    ("ACC-004", OCT, "cpu.std.vcpu", "vm-004-a"): 120000,
    ("ACC-004", OCT, "cpu.std.vcpu", "vm-004-b"): 240000,
}

RESOURCES = [  # resource_id, account_id, resource_type (marts.dim_resources)
    ("vm-001-a", "ACC-001", "vm"), ("vm-001-b", "ACC-001", "vm"), ("vol-001-a", "ACC-001", "volume"),
    ("vol-001-b", "ACC-001", "volume"), ("vm-002-a", "ACC-002", "vm"), ("vm-002-b", "ACC-002", "vm"),
    ("vm-002-c", "ACC-002", "vm"), ("vm-003-a", "ACC-003", "vm"), ("vol-003-a", "ACC-003", "volume"),
    ("vm-004-a", "ACC-004", "vm"), ("vm-004-b", "ACC-004", None),  # a resource whose events never said its type
]

DIM_RESOURCES_DDL = """
create table if not exists marts.dim_resources (resource_id text primary key, account_id text, resource_type text)
"""


def invoice_id(tenant: str, account_id: str, period: date) -> str:
    """<tenant>-<YYYYMM>-<6 digits>, numbered per tenant and period in account order (rules §5.3)."""
    accounts = sorted({a for t, a, p, *_ in LINES if t == tenant and p == period})
    return f"{tenant}-{period:%Y%m}-{accounts.index(account_id) + 1:06d}"


def line_numbers() -> list[int]:
    """Each line's number on its invoice (1, 2, ... in LINES order), aligned with LINES."""
    seen: dict[str, int] = {}
    numbers = []
    for tenant, acc, period, *_ in LINES:
        inv = invoice_id(tenant, acc, period)
        seen[inv] = seen.get(inv, 0) + 1
        numbers.append(seen[inv])
    return numbers


def denominator(charge_type: str, period: date) -> int:
    """The sku's denominator for the month (decisions.md, Rating): 3600, the month's seconds, or 1."""
    if charge_type == "hourly":
        return 3600
    if charge_type == "monthly":
        following = date(period.year + period.month // 12, period.month % 12 + 1, 1)
        return (following - period).days * 86400
    return 1


def _issued_at(period: date) -> str:
    return f"{period.year + period.month // 12}-{period.month % 12 + 1:02d}-01 01:00:00+00"


def _file(conn, name: str, kind: str, rows: int) -> int:
    version = conn.execute("select count(*) + 1 from raw.inbox_files where file_name = %s", (name,)).fetchone()[0]
    return conn.execute(
        "insert into raw.inbox_files (file_name, file_kind, sha256, size_bytes, version, rows_read, rows_loaded,"
        " rows_quarantined, status, processed_at) values (%s, %s, encode(sha256((%s || %s)::bytea), 'hex'), 100,"
        " %s, %s, %s, 0, 'landed', '2026-11-01 00:00+00') returning file_id",
        (name, kind, name, version, version, rows, rows)).fetchone()[0]


def load_inputs(conn: psycopg.Connection) -> None:
    """Accounts, catalogue, fx rates and the tax tables into raw, as landing would have written them."""
    fid = _file(conn, "accounts_20260901.csv", "accounts", len(ACCOUNTS))
    for n, (acc, name, country, cur) in enumerate(ACCOUNTS, start=2):
        tax_id, terms = ACCOUNT_TERMS[acc]
        conn.execute("insert into raw.accounts (file_id, line_number, account_id, account_name, country, currency,"
                     " created_at, tax_id, payment_terms_days, raw_record)"
                     " values (%s, %s, %s, %s, %s, %s, '2026-01-01', %s, %s, '')",
                     (fid, n, acc, name, country, cur, tax_id, terms))
    fid = _file(conn, "catalog_20260101.csv", "catalog", len(SKUS))
    for n, (sku, name, category, charge_type, unit) in enumerate(SKUS, start=2):
        conn.execute("insert into raw.catalog_prices (file_id, line_number, sku, product_name, category, charge_type,"
                     " unit, tenant, currency, unit_price, idle_unit_price, effective_from, raw_record)"
                     " values (%s, %s, %s, %s, %s, %s, %s, 'SO', 'USD', 1, 0, '2026-01-01', '')",
                     (fid, n, sku, name, category, charge_type, unit))
    for name, rates in FX_FILES:
        fid = _file(conn, name, "fx_rates", len(rates))
        for n, (period, cur, rate) in enumerate(rates, start=2):
            conn.execute("insert into raw.fx_rates (file_id, line_number, period, currency, usd_per_unit, raw_record)"
                         " values (%s, %s, %s, %s, %s, '')", (fid, n, period, cur, rate))
    insert_tax_tables(conn, _file)  # the tax tables (rules §9) every world with SO lines delivers


def load_invoices(conn: psycopg.Connection, schema: str = "marts") -> None:
    """fct_invoice_lines, fct_invoices and fct_invoice_taxes with the interface columns, as the bill run publishes
    them (SO invoices with their tax, issuer and due date, rules §9; HO: net = total, no tax)."""
    charge_types = {s[0]: s[3] for s in SKUS}
    currencies = {a[0]: a[3] for a in ACCOUNTS}
    countries = {a[0]: a[2] for a in ACCOUNTS}
    conn.execute(f"create schema if not exists {schema}")
    conn.execute(INVOICE_LINES_DDL.format(schema=schema))
    conn.execute(INVOICES_DDL.format(schema=schema))
    conn.execute(INVOICE_TAXES_DDL.format(schema=schema))
    for number, (tenant, acc, period, sku, kind, price, qty, amount, adjusted) in zip(line_numbers(), LINES,
                                                                                         strict=True):
        tax = LINE_TAX[(acc, adjusted or period)] if tenant == "SO" else (None, None, None)
        conn.execute(f"insert into {schema}.fct_invoice_lines values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,"
                     "%s,%s,%s)",
                     (invoice_id(tenant, acc, period), tenant, acc, period, sku, charge_types[sku], kind, price,
                      qty, currencies[acc], amount, adjusted, number, *tax))
    for (tenant, acc, period), total in TOTALS.items():
        count = sum(1 for t, a, p, *_ in LINES if (t, a, p) == (tenant, acc, period))
        inv = invoice_id(tenant, acc, period)
        if tenant == "SO":
            groups = TAXES[(acc, period)]
            tax = sum((g[4] for g in groups), D(0))
            issuer = tax_tables.entity(countries[acc])
            tax_id, terms = ACCOUNT_TERMS[acc]
            so = (tax, total + tax, terms or 30, DUE_DATES[(acc, period)], *issuer[1:], tax_id,
                  any(g[2] for g in groups))
            for name, rate, reverse, taxable, amount in groups:
                conn.execute(f"insert into {schema}.fct_invoice_taxes values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                             (inv, acc, period, currencies[acc], name, rate, reverse, taxable, amount,
                              _issued_at(period)))
        else:
            so = (D(0), total, None, None, None, None, None, None, False)
        conn.execute(f"insert into {schema}.fct_invoices values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,"
                     "%s,%s,%s)",
                     (inv, tenant, acc, period, currencies[acc], total, count, _issued_at(period), countries[acc],
                      total, *so))


def load_ledger(conn: psycopg.Connection) -> None:
    """The same invoices in the bill run's ledger (billing.*) with their lineage (SOURCES) and marts.dim_resources:
    what fct_invoice_line_sources and int_invoice_adjustment_deltas (the FOCUS export's resources) read."""
    charge_types = {s[0]: s[3] for s in SKUS}
    currencies = {a[0]: a[3] for a in ACCOUNTS}
    for period in sorted({p for _, _, p, *_ in LINES}):
        lines = [row for row in LINES if row[2] == period]
        conn.execute("insert into billing.closed_periods (billing_period, closed_at, invoice_count, line_count,"
                     " adjustment_line_count) values (%s, %s, %s, %s, %s)",
                     (period, _issued_at(period), len({(t, a) for t, a, *_ in lines}), len(lines),
                      sum(1 for row in lines if row[8] is not None)))
    for (tenant, acc, period), total in TOTALS.items():
        count = sum(1 for t, a, p, *_ in LINES if (t, a, p) == (tenant, acc, period))
        conn.execute("insert into billing.invoices (invoice_id, tenant, account_id, billing_period, currency,"
                     " total_amount, line_count, issued_at) values (%s, %s, %s, %s, %s, %s, %s, %s)",
                     (invoice_id(tenant, acc, period), tenant, acc, period, currencies[acc], total, count,
                      _issued_at(period)))
    for number, (tenant, acc, period, sku, kind, price, qty, amount, adjusted) in zip(line_numbers(), LINES,
                                                                                         strict=True):
        inv = invoice_id(tenant, acc, period)
        conn.execute("insert into billing.invoice_lines (invoice_id, line_number, tenant, account_id, billing_period,"
                     " sku, charge_type, rate_kind, unit_price, quantity, currency, amount, amount_exact,"
                     " adjusted_period, issued_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                     (inv, number, tenant, acc, period, sku, charge_types[sku], kind, price, qty, currencies[acc],
                      amount, None if adjusted else qty * price, adjusted, _issued_at(period)))
        key_period = adjusted or period
        den = denominator(charge_types[sku], key_period)
        for resource, units in SOURCES[(acc, period, sku, kind, key_period)]:
            q_num = NUMERATOR_OVERRIDES.get((acc, period, sku, resource), units * den)
            conn.execute("insert into billing.invoice_line_sources (invoice_id, line_number, resource_id, denominator,"
                         " quantity_numerator, amount_numerator, charge_count, first_usage_at, last_usage_at)"
                         " values (%s, %s, %s, %s, %s, %s, 1, %s, %s)",
                         (inv, number, resource, den, q_num, q_num * price, key_period, key_period))
    conn.execute(DIM_RESOURCES_DDL)
    for row in RESOURCES:
        conn.execute("insert into marts.dim_resources values (%s, %s, %s)", row)


def load_breaks(conn: psycopg.Connection) -> None:
    """Two open breaks and a resolved one, as fct_reconciliation_breaks publishes them."""
    conn.execute(BREAKS_DDL)
    rows = [
        ("L3_FINANCE_VS_ORDERSTREAM", "amount_mismatch", "2026-10-01", "ACC-001", None, D("100.24"), D("90.24"),
         D("-10.00"), "USD", "open", "posted revenue differs from the SO invoice"),
        ("L1_PRIMARY_VS_SECONDARY", "missing_in_primary", "2026-10-12", "ACC-002", "cpu.std.vcpu", D("144"),
         None, D("-144"), "JPY", "open", "primary billing has no line"),
        ("L1_PRIMARY_VS_SECONDARY", "amount_mismatch", "2026-10-03", "ACC-001", "mem.std.gb", D("0.96"),
         D("0.90"), D("-0.06"), "USD", "resolved", "cleared by a later file"),
        ("DATA_QUALITY", "quarantined_row", "2026-10-05", None, None, D("1"), D("0"), D("-1"), None, "open",
         "orders_20261005T10.jsonl line 7: bad event_time"),
    ]
    for row in rows:
        conn.execute("insert into marts.fct_reconciliation_breaks values (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,"
                     " '2026-11-01 02:00+00')", row)

