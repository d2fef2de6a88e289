"""`iaas-billing explain`: how every issued amount, and every reconciliation break, was computed.

Lineage is a query, not a recomputation (docs/explain.md). When the bill run issues a line it writes,
in the same transaction, the line's contributing resources with their exact numerators
(billing.invoice_line_sources). So an issued line is explained from the ledger alone:

    marts.fct_invoice_line_derivations   exact sum / denominator, rounded once; minus what was billed
                                         before for the key (adjustments); = the issued amount
    marts.fct_invoice_line_sources       per resource, what it put on the line when it was issued

and the detail of each resource comes from the live models (contracted views of models/marts/interface,
exposures `invoice_explain` and `break_explain`), read by key and resource:

    marts.fct_invoice_lineage_live          the live rating of the line's key, per resource
    marts.fct_invoice_line_spans_explained  spans, their bounding events (file, line), price versions
    marts.fct_order_events_located          the resource's landed events (file, line, applied or not)
    marts.fct_invoice_adjustment_deltas     per resource, as last billed -> as re-rated (adjustments)
    marts.fct_invoice_adjustment_causes     the late events, prices and accounts behind an adjustment

A resource whose live rating no longer matches what was issued is flagged: its spans are today's.
A break (`--break ID`) is explained from marts.fct_reconciliation_breaks and the rows on each side.
Nothing here computes a charge: every figure printed is read from the ledger, the models or raw.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy.engine import URL

from iaas_billing.base import db
from iaas_billing.base.errors import BillingError
from iaas_billing.reports import explain_tax

UNITS = {"hourly": "unit-hours", "monthly": "unit-months", "annual": "units", "one_time": "units"}
TENANTS = {"SO": "sales office (revenue)", "HO": "head office (cost)"}


def _rows(conn, query: str, params=()) -> list[dict]:
    cur = conn.execute(query, params)
    if cur.description is None:
        return []
    names = [c.name for c in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _num(value) -> str:
    """A numeric without trailing zeros or exponent (None -> '-')."""
    if value is None:
        return "-"
    d = Decimal(value)
    if d == 0:
        return "0"
    text = format(d.normalize(), "f")
    return text


def _money(value, minor_units: int | None) -> str:
    if value is None:
        return "-"
    if minor_units is None:
        return _num(value)
    return f"{Decimal(value):.{minor_units}f}" if minor_units > 0 else f"{Decimal(value):.0f}"


def _ts(value: datetime | None) -> str:
    """An instant in UTC, ISO 8601 with Z (microseconds only when there are any)."""
    if value is None:
        return "-"
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S" + (".%f" if value.microsecond else "") + "Z")


def _where(file_name: str | None, line_number) -> str:
    if file_name is None:
        return "(not landed)"
    return f"{file_name} line {line_number}" if line_number is not None else file_name


# ---------------------------------------------------------------- invoices

@dataclass
class ResourceDetail:
    resource_id: str
    issued: dict | None            # fct_invoice_line_sources row (None: not on the line when issued)
    live: dict | None              # int_invoice_line_sources_live row (None: no charges on the key now)
    spans: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)

    @property
    def live_matches(self) -> bool:
        if self.issued is None or self.live is None:
            return self.issued is None and self.live is None
        return (self.issued["amount_numerator"] == self.live["amount_numerator"]
                and self.issued["quantity_numerator"] == self.live["quantity_numerator"])


@dataclass
class LineExplanation:
    line: dict                                     # fct_invoice_line_derivations row
    product_name: str | None
    resources: list[ResourceDetail]
    earlier_lines: list[dict] = field(default_factory=list)   # the key's lines on earlier invoices
    later_lines: list[dict] = field(default_factory=list)     # the key's adjustments on later invoices
    deltas: list[dict] = field(default_factory=list)          # adjustments: per resource, before -> now
    causes: list[dict] = field(default_factory=list)          # adjustments: late inputs

    @property
    def live_matches(self) -> bool:
        return all(r.live_matches for r in self.resources)


@dataclass
class InvoiceExplanation:
    invoice: dict
    account: dict | None
    lines: list[LineExplanation]
    taxes: explain_tax.TaxExplanation | None = None  # SO invoices, whole-invoice explanations (rules §9)


LINES_SQL = """
select d.*, s.product_name
from marts.fct_invoice_line_derivations as d
left join marts.dim_skus as s on s.sku = d.sku
where d.invoice_id = %(invoice)s and (%(line)s::integer is null or d.line_number = %(line)s::integer)
order by d.line_number
"""
ISSUED_SOURCES_SQL = """
select line_number, resource_id, quantity_numerator, amount_numerator, denominator, quantity_exact, amount_exact,
       charge_count, first_usage_at, last_usage_at
from marts.fct_invoice_line_sources
where invoice_id = %(invoice)s and line_number = any(%(lines)s)
order by line_number, resource_id
"""
# The constants tenant, account_id and line_key_period reach the rating tables through the views' joins.
LIVE_SOURCES_SQL = """
select line_number, resource_id, quantity_numerator, amount_numerator, denominator, charge_count
from marts.fct_invoice_lineage_live
where invoice_id = %(invoice)s and tenant = %(tenant)s and account_id = %(account)s
  and line_key_period = %(key_period)s and line_number = any(%(lines)s)
"""
SPANS_SQL = """
select *
from marts.fct_invoice_line_spans_explained
where tenant = %(tenant)s and account_id = %(account)s and billing_period = %(key_period)s
  and resource_id = any(%(resources)s)
order by resource_id, span_from_at, span_to_at
"""
EVENTS_SQL = """
select *
from marts.fct_order_events_located
where resource_id = any(%(resources)s) and event_at < %(before)s
order by resource_id, event_at, event_seq, file_id, line_number
"""
KEY_LINES_SQL = """
select invoice_id, line_number, billing_period, adjusted_period, coalesce(adjusted_period, billing_period) as key_period,
       sku, charge_type, rate_kind, unit_price, quantity, amount, issued_at
from marts.fct_invoice_lines
where tenant = %(tenant)s and account_id = %(account)s and coalesce(adjusted_period, billing_period) = any(%(periods)s)
order by billing_period, invoice_id, line_number
"""
KEY_COLUMNS = ("sku", "charge_type", "rate_kind", "unit_price")


def _require(conn, relation: str, hint: str) -> None:
    if conn.execute("select to_regclass(%s) is null", (relation,)).fetchone()[0]:
        raise BillingError(f"{relation} does not exist yet: {hint}")


def fetch_invoice(invoice_id: str, line: int | None = None, url: URL | None = None) -> InvoiceExplanation:
    """Everything needed to explain one issued invoice (or one of its lines), read, never recomputed."""
    with db.connect(url, autocommit=True) as conn:
        for relation in ("marts.fct_invoice_line_derivations", "marts.fct_invoice_line_spans_explained"):
            _require(conn, relation, "run `iaas-billing run` (the dbt build) first")
        invoices = _rows(conn, "select * from marts.fct_invoices where invoice_id = %s", (invoice_id,))
        if not invoices:
            raise BillingError(f"invoice {invoice_id!r} is not issued (not in marts.fct_invoices)")
        invoice = invoices[0]
        accounts = _rows(conn, "select account_name, country from marts.dim_accounts where account_id = %s",
                         (invoice["account_id"],))
        lines = _rows(conn, LINES_SQL, {"invoice": invoice_id, "line": line})
        if not lines:
            raise BillingError(f"invoice {invoice_id} has no line {line} (it has {invoice['line_count']} lines)")
        numbers = [r["line_number"] for r in lines]
        issued = defaultdict(dict)
        for row in _rows(conn, ISSUED_SOURCES_SQL, {"invoice": invoice_id, "lines": numbers}):
            issued[row["line_number"]][row["resource_id"]] = row
        live = defaultdict(dict)
        for key_period in sorted({r["line_key_period"] for r in lines}):
            for row in _rows(conn, LIVE_SOURCES_SQL, {
                    "invoice": invoice_id, "tenant": invoice["tenant"], "account": invoice["account_id"],
                    "key_period": key_period,
                    "lines": [r["line_number"] for r in lines if r["line_key_period"] == key_period]}):
                live[row["line_number"]][row["resource_id"]] = row
        # one query per kind of detail for the whole invoice (per key period for the spans), split per line here
        resources_of = {r["line_number"]: sorted(set(issued[r["line_number"]]) | set(live[r["line_number"]]))
                        for r in lines}
        spans = defaultdict(list)  # (key period, sku, charge_type, rate_kind, unit_price, resource) -> spans
        for key_period in sorted({r["line_key_period"] for r in lines}):
            resource_ids = sorted({x for r in lines if r["line_key_period"] == key_period
                                   for x in resources_of[r["line_number"]]})
            if resource_ids:
                for span in _rows(conn, SPANS_SQL, {"tenant": invoice["tenant"], "account": invoice["account_id"],
                                                    "key_period": key_period, "resources": resource_ids}):
                    spans[(key_period, *(span[c] for c in KEY_COLUMNS), span["resource_id"])].append(span)
        events = defaultdict(list)
        all_resources = sorted({x for ids in resources_of.values() for x in ids})
        if all_resources:
            latest_end = max(_period_end(r["line_key_period"]) for r in lines)
            for event in _rows(conn, EVENTS_SQL, {"resources": all_resources, "before": latest_end}):
                events[event["resource_id"]].append(event)
        key_lines = defaultdict(list)
        for k in _rows(conn, KEY_LINES_SQL, {"tenant": invoice["tenant"], "account": invoice["account_id"],
                                            "periods": sorted({r["line_key_period"] for r in lines})}):
            key_lines[(k["key_period"], *(k[c] for c in KEY_COLUMNS))].append(k)
        out = []
        for row in lines:
            n = row["line_number"]
            key = (row["line_key_period"], *(row[c] for c in KEY_COLUMNS))
            period_end = _period_end(row["line_key_period"])
            resources = [ResourceDetail(r, issued[n].get(r), live[n].get(r), spans[(*key, r)],
                                        [e for e in events[r] if e["event_at"] < period_end])
                         for r in resources_of[n]]
            explanation = LineExplanation(
                line=row, product_name=row.get("product_name"), resources=resources,
                earlier_lines=[k for k in key_lines[key] if k["billing_period"] < row["billing_period"]],
                later_lines=[k for k in key_lines[key] if k["billing_period"] > row["billing_period"]])
            if row["is_adjustment"]:
                explanation.deltas = _rows(
                    conn, "select * from marts.fct_invoice_adjustment_deltas"
                          " where invoice_id = %s and line_number = %s order by resource_id", (invoice_id, n))
                explanation.causes = _rows(
                    conn, "select * from marts.fct_invoice_adjustment_causes"
                          " where invoice_id = %s and line_number = %s"
                          " order by cause_kind, processed_at, input_file_name, input_line_number", (invoice_id, n))
            out.append(explanation)
        taxes = None
        if line is None and invoice["tenant"] == "SO" and "tax_amount" in invoice:
            taxes = explain_tax.fetch_taxes(invoice_id, conn=conn)
    return InvoiceExplanation(invoice=invoice, account=accounts[0] if accounts else None, lines=out, taxes=taxes)


def _period_end(period) -> datetime:
    nxt_year, nxt_month = (period.year + 1, 1) if period.month == 12 else (period.year, period.month + 1)
    return datetime(nxt_year, nxt_month, 1, tzinfo=UTC)


def _exact(numerator, denominator) -> str:
    """numerator / denominator as a decimal: all of it when the expansion terminates, else its first 30
    decimals followed by '...' (truncated, never rounded)."""
    if denominator is None or Decimal(denominator) == 0:
        return "-"
    frac = Fraction(Decimal(numerator)) / Fraction(Decimal(denominator))
    rest = frac.denominator
    for p in (2, 5):
        while rest % p == 0:
            rest //= p
    if rest == 1:  # a terminating expansion: Decimal divides it exactly at this precision
        scale = 0
        while (frac * 10 ** scale).denominator != 1:
            scale += 1
        return _num(Decimal(int(frac * 10 ** scale)).scaleb(-scale))
    sign = "-" if frac < 0 else ""
    digits = abs(frac.numerator) * 10 ** 30 // frac.denominator
    whole, decimals = divmod(digits, 10 ** 30)
    return f"{sign}{whole}.{decimals:030d}..."


def _span_text(span: dict, line: dict, minor_units) -> list[str]:
    out = []
    unit = UNITS.get(line["charge_type"], "units")
    if span["charge_kind"] == "term_charge":
        what = (f"annual term {span['term_number']} (started {_ts(span['term_started_at'])})"
                if line["charge_type"] == "annual" else "one-time")
        out.append(f"{_ts(span['span_from_at'])}  {what}: {_num(span['quantity'])} unit(s) charged"
                   f" (high-water {_num(span['high_water_quantity'])}) x {_num(span['unit_price'])}"
                   f" = {_num(span['amount_numerator'])}")
        if span["opened_by_event_id"]:
            out.append(f"    at {span['opened_by_event_type']} {span['opened_by_event_id']}"
                       f" {_ts(span['opened_by_event_at'])} ({_where(span['opened_by_file_name'], span['opened_by_line_number'])})")
        else:
            out.append("    at the annual term's renewal (no event)")
    else:
        out.append(f"{_ts(span['span_from_at'])} -> {_ts(span['span_to_at'])}  {span['state']}"
                   f"  {_num(span['seconds'])} s x quantity {_num(span['quantity'])}"
                   f" = {_num(span['quantity_numerator'])} (= {_exact(span['quantity_numerator'], span['denominator'])}"
                   f" {unit}); x rate {_num(span['unit_price'])} = {_num(span['amount_numerator'])}"
                   f" (/ {_num(span['denominator'])} = {_exact(span['amount_numerator'], span['denominator'])})")
        out.append("    from " + _bound(span, "starts_at", "opened_by"))
        out.append("    to   " + _bound(span, "ends_at", "closed_by"))
    if span["price_version_id"]:
        out.append(f"    price {line['sku']} {line['tenant']} {line['currency']} from {span['price_effective_from']}:"
                   f" unit {_num(span['price_unit_price'])}, idle {_num(span['price_idle_unit_price'])}"
                   f" ({_where(span['price_file_name'], span['price_line_number'])})")
    return out


def _bound(span: dict, kind_column: str, event_prefix: str) -> str:
    kind = span[kind_column]
    if kind == "event":
        return (f"{span[event_prefix + '_event_type']} {span[event_prefix + '_event_id']}"
                f" at {_ts(span[event_prefix + '_event_at'])}"
                f" ({_where(span[event_prefix + '_file_name'], span[event_prefix + '_line_number'])})")
    return {"price_change": "a price change", "period_start": "the period's start", "period_end": "the period's end",
            "clock": "the clock (rated up to the last build)", "other": "a day boundary"}.get(kind, str(kind))


def render_invoice(expl: InvoiceExplanation) -> str:
    inv = expl.invoice
    out = []
    name = f" {expl.account['account_name']} ({expl.account['country']})" if expl.account else ""
    minor = expl.lines[0].line["minor_units"] if expl.lines else None
    out.append(f"invoice {inv['invoice_id']}: {TENANTS.get(inv['tenant'], inv['tenant'])}, account {inv['account_id']}"
               f"{name}, period {inv['billing_period']:%Y-%m}, {inv['currency']}")
    out.append(f"  issued {_ts(inv['issued_at'])}: {inv['line_count']} line(s), total"
               f" {_money(inv['total_amount'], minor)} {inv['currency']} (the sum of its rounded lines)")
    for le in expl.lines:
        out.append("")
        out.extend(_render_line(le))
    if expl.taxes is not None:
        out.append("")
        out.extend(explain_tax.render_taxes(expl.taxes))
    return "\n".join(out)


def _render_line(le: LineExplanation) -> list[str]:
    line = le.line
    mu = line["minor_units"]
    cur = line["currency"]
    unit = UNITS.get(line["charge_type"], "units")
    out = []
    head = f"line {line['line_number']}: {line['sku']}"
    if le.product_name:
        head += f" ({le.product_name})"
    head += f", {line['charge_type']}, {line['rate_kind']} rate {_num(line['unit_price'])} {cur}"
    if line["is_adjustment"]:
        head += f", ADJUSTMENT of {line['line_key_period']:%Y-%m}"
    out.append(head)
    out.append(f"  issued: quantity {_num(line['quantity'])} {unit}, amount {_money(line['amount'], mu)} {cur}")
    if not line["lineage_recorded"]:
        out.append("  no lineage: its period was closed before lineage was kept; only the live rating below")
    den = line["denominator"]
    exact = _exact(line["amount_numerator"], den) if den else "0"
    if line["is_adjustment"]:
        out.append(f"  re-rated when issued ({_ts(line['issued_at'])}): {line['source_count']} resource(s),"
                   f" exact amount {_num(line['amount_numerator'])} / {_num(den)} = {exact}"
                   f" -> rounded half away from zero to {mu} decimal(s): {_money(line['rated_amount'], mu)}"
                   if den else f"  re-rated when issued ({_ts(line['issued_at'])}): the key has no charges left: 0")
        billed = " + ".join(f"{e['invoice_id']} line {e['line_number']} {_money(e['amount'], mu)}"
                            for e in le.earlier_lines) or "nothing"
        out.append(f"  billed before for this key: {billed} = {_money(line['billed_before_amount'], mu)}")
        out.append(f"  adjustment = {_money(line['rated_amount'], mu)} - {_money(line['billed_before_amount'], mu)}"
                   f" = {_money(line['reconstructed_amount'], mu)} {cur}"
                   f"  [{'equals' if line['is_reconstructed'] else 'DOES NOT EQUAL'} the issued amount]")
        out.append(f"  quantity = {_num(line['rated_quantity'])} - {_num(line['billed_before_quantity'])}"
                   f" = {_num(line['reconstructed_quantity'])} {unit}")
    else:
        out.append(f"  exact amount = sum of the resources' numerators / {_num(den)} ="
                   f" {_num(line['amount_numerator'])} / {_num(den)} = {exact}")
        out.append(f"  rounded once, half away from zero, to {mu} decimal(s): {_money(line['rated_amount'], mu)} {cur}"
                   f"  [{'equals' if line['is_reconstructed'] else 'DOES NOT EQUAL'} the issued amount]")
        out.append(f"  quantity = {_num(line['quantity_numerator'])} / {_num(den)} = {_num(line['rated_quantity'])}"
                   f" {unit} (6 decimals)")
    if le.later_lines:
        out.append("  adjusted later: " + ", ".join(
            f"{k['invoice_id']} line {k['line_number']} ({_money(k['amount'], mu)})" for k in le.later_lines))
    if line["is_adjustment"]:
        out.extend(_render_adjustment(le))
    out.append(f"  contributing resources (lineage written at issue: {line['source_count']}):")
    for res in le.resources:
        issued = res.issued
        if issued is not None:
            text = (f"    {res.resource_id}: quantity {_num(issued['quantity_numerator'])} / {_num(issued['denominator'])}"
                    f" = {_exact(issued['quantity_numerator'], issued['denominator'])} {unit}, amount"
                    f" {_num(issued['amount_numerator'])} / {_num(issued['denominator'])}"
                    f" = {_exact(issued['amount_numerator'], issued['denominator'])}")
        else:
            text = f"    {res.resource_id}: not on the line when it was issued"
        if res.live_matches:
            text += "  [live rating: unchanged]"
        elif res.live is None:
            text += "  [live rating: no charges on this key now]"
        else:
            text += (f"  [live rating now differs: amount {_exact(res.live['amount_numerator'], res.live['denominator'])}"
                     " - re-rated by later data; the spans below are today's]")
        out.append(text)
        for span in res.spans:
            first, *rest = _span_text(span, line, mu)
            out.append(f"      - {first}")
            out.extend(f"        {text.strip()}" for text in rest)
        if res.events:
            out.append(f"      events of {res.resource_id} landed (before the period's end, in event order):")
            for e in res.events:
                status = ("held: account unknown" if e["is_held"] else
                          f"applied -> {e['state_after']}" if e["is_applied"] else
                          f"not applied: {e['anomaly_type']}")
                extra = f", {e['redelivery_count']} redelivery(ies)" if e["redelivery_count"] else ""
                out.append(f"        {e['event_id']} {e['event_type']} at {_ts(e['event_at'])} seq {e['event_seq']}"
                           f" ({_where(e['file_name'], e['line_number'])}){extra}: {status}")
    if not le.resources:
        out.append("    none")
    return out


def _render_adjustment(le: LineExplanation) -> list[str]:
    line = le.line
    out = []
    if le.deltas:
        prev = le.deltas[0]
        source = (f"{prev['previous_invoice_id']} line {prev['previous_line_number']}"
                  if prev["previous_invoice_id"] else "nothing (a new key)")
        out.append(f"  per resource, as last billed ({source}) -> as re-rated:")
        for d in le.deltas:
            den = d["denominator"]
            out.append(f"    {d['resource_id']}: {_exact(d['before_amount_numerator'], den)} ->"
                       f" {_exact(d['now_amount_numerator'], den)} (change {_exact(d['delta_amount_numerator'], den)})"
                       + ("" if d["was_on_key"] else ", new on the key")
                       + ("" if d["is_on_key"] else ", left the key"))
    if le.causes:
        out.append("  what changed it (inputs landed after the key was last billed):")
        for c in le.causes:
            out.append(f"    {c['cause_kind'].replace('_', ' ')}: {c['detail']}"
                       f" - {_where(c['input_file_name'], c['input_line_number'])}, processed {_ts(c['processed_at'])}")
    else:
        out.append(f"  no late event, price or account for this key was found between its last billing and"
                   f" {_ts(line['issued_at'])}")
    return out


# ---------------------------------------------------------------- breaks

@dataclass
class BreakExplanation:
    brk: dict
    sections: list[tuple[str, list[str]]]


def fetch_break(break_id: str, url: URL | None = None) -> BreakExplanation:
    with db.connect(url, autocommit=True) as conn:
        _require(conn, "marts.fct_reconciliation_breaks", "run `iaas-billing run` (reconciliation) first")
        found = _rows(conn, "select * from marts.fct_reconciliation_breaks where break_id = %s", (break_id,))
        if not found:
            found = _rows(conn, "select * from marts.fct_reconciliation_breaks where break_id like %s",
                          (break_id + "%",))
            if len(found) != 1:
                raise BillingError(f"break {break_id!r} is not in marts.fct_reconciliation_breaks"
                                   + (f" ({len(found)} breaks start with it)" if found else ""))
        brk = found[0]
        level = brk["recon_level"]
        if level == "L1_PRIMARY_VS_SECONDARY":
            sections = _break_l1(conn, brk)
        elif level == "L2_ORDERSTREAM_VS_BILLING":
            sections = _break_l2(conn, brk)
        elif level == "L3_FINANCE_VS_ORDERSTREAM":
            sections = _break_l3(conn, brk)
        else:
            sections = _break_dq(conn, brk)
    return BreakExplanation(brk=brk, sections=sections)


def _minor_units(conn, currency) -> int | None:
    rows = conn.execute("select minor_units from marts.dim_currencies where currency = %s", (currency,)).fetchall() \
        if currency else []
    return rows[0][0] if rows else None


def _break_l1(conn, brk) -> list[tuple[str, list[str]]]:
    params = {"day": brk["business_date"], "account": brk["account_id"], "sku": brk["sku"]}
    primary = _rows(conn, """
        select f.file_name, p.line_number, p.currency, p.amount, p.raw_record
        from raw.primary_billing as p join raw.inbox_files as f on f.file_id = p.file_id
        where p.usage_date = %(day)s and p.account_id = %(account)s and p.sku = %(sku)s
        order by f.file_id, p.line_number""", params)
    ours = _rows(conn, """
        select tenant, amount, amount_exact, currency from marts.fct_rated_usage_daily
        where tenant = 'SO' and usage_date = %(day)s and account_id = %(account)s and sku = %(sku)s""", params)
    resources = _rows(conn, """
        select resource_id, charge_type, denominator, quantity_numerator, amount_numerator, charge_count,
               first_usage_at, last_usage_at
        from marts.fct_rated_usage_daily_sources
        where tenant = 'SO' and usage_date = %(day)s and account_id = %(account)s and sku = %(sku)s
        order by resource_id""", params)
    prim = [f"{_where(r['file_name'], r['line_number'])}: {_num(r['amount'])} {r['currency']}"
            f"  raw: {r['raw_record']}" for r in primary] or ["no line in the primary billing file"]
    mu = _minor_units(conn, brk["currency"])
    plat = []
    if ours:
        o = ours[0]
        plat.append(f"SO daily line {brk['business_date']} {brk['account_id']} {brk['sku']}: exact {_num(o['amount_exact'])}"
                    f" -> rounded once to {mu} decimal(s): {_money(o['amount'], mu)} {o['currency']}")
        plat.append(f"contributing resources ({len(resources)}):")
        for r in resources:
            plat.append(f"  {r['resource_id']}: {_num(r['amount_numerator'])} / {_num(r['denominator'])}"
                        f" = {_exact(r['amount_numerator'], r['denominator'])} ({r['charge_count']} piece(s),"
                        f" {_ts(r['first_usage_at'])} -> {_ts(r['last_usage_at'])})")
    else:
        plat.append("no SO daily line on this platform for that day, account and sku")
    return [("primary billing (actual)", prim), ("this platform (expected)", plat)]


def _break_l2(conn, brk) -> list[tuple[str, list[str]]]:
    params = {"day": brk["business_date"], "account": brk["account_id"], "type": brk["event_type"]}
    control = _rows(conn, """
        select f.file_name, c.line_number, c.event_count, c.raw_record
        from raw.orderstream_control as c join raw.inbox_files as f on f.file_id = c.file_id
        where c.event_date = %(day)s and c.account_id = %(account)s and c.event_type = %(type)s
        order by f.file_id, c.line_number""", params)
    events = _rows(conn, """
        select event_id, event_at, resource_id, file_name, line_number, redelivery_count, is_held, is_applied,
               anomaly_type
        from marts.fct_order_events_located
        where event_date = %(day)s and account_id = %(account)s and event_type = %(type)s
        order by event_at, event_id""", params)
    ctl = [f"{_where(r['file_name'], r['line_number'])}: event_count {r['event_count']}  raw: {r['raw_record']}"
           for r in control] or ["no control row"]
    landed = [f"{len(events)} distinct event(s) landed for {brk['business_date']} {brk['account_id']}"
              f" {brk['event_type']} (by the UTC date of event_time, applied or not):"]
    landed += [f"  {e['event_id']} at {_ts(e['event_at'])} of {e['resource_id']} ({_where(e['file_name'], e['line_number'])})"
               + (f", {e['redelivery_count']} redelivery(ies)" if e["redelivery_count"] else "")
               for e in events]
    return [("order stream control total (expected)", ctl), ("landed events (actual)", landed)]


def _break_l3(conn, brk) -> list[tuple[str, list[str]]]:
    params = {"period": brk["business_date"], "account": brk["account_id"]}
    finance = _rows(conn, """
        select f.file_name, g.line_number, g.currency, g.posted_revenue, g.raw_record
        from raw.finance_gl as g join raw.inbox_files as f on f.file_id = g.file_id
        where g.period = %(period)s and g.account_id = %(account)s
        order by f.file_id, g.line_number""", params)
    invoices = _rows(conn, """
        select invoice_id, total_amount, currency, line_count, adjustment_line_count, issued_at
        from marts.fct_invoices
        where tenant = 'SO' and billing_period = %(period)s and account_id = %(account)s
        order by invoice_id""", params)
    fin = [f"{_where(r['file_name'], r['line_number'])}: posted {_num(r['posted_revenue'])} {r['currency']}"
           f"  raw: {r['raw_record']}" for r in finance] or ["no row in the finance GL file"]
    inv = [f"{i['invoice_id']}: total {_num(i['total_amount'])} {i['currency']} ({i['line_count']} line(s), of which"
           f" {i['adjustment_line_count']} adjustment(s)), issued {_ts(i['issued_at'])}"
           f" - `iaas-billing explain --invoice {i['invoice_id']}`" for i in invoices] or ["no SO invoice issued"]
    return [("finance GL (actual)", fin), ("SO invoice (expected)", inv)]


def _break_dq(conn, brk) -> list[tuple[str, list[str]]]:
    kind = brk["break_type"]
    out: list[tuple[str, list[str]]] = []
    if brk["file_name"] and kind in ("quarantined_row", "rejected_file"):
        version = None
        if "#v" in (brk["break_key"] or ""):
            version = int(brk["break_key"].split("#v", 1)[1].split(":", 1)[0])
        files = _rows(conn, """
            select file_id, file_name, version, file_kind, status, rows_read, rows_loaded, rows_quarantined,
                   detail, processed_at
            from raw.inbox_files where file_name = %s and (%s::integer is null or version = %s::integer)
            order by version""", (brk["file_name"], version, version))
        out.append(("inbox file", [
            f"{f['file_name']} version {f['version']} ({f['file_kind']}): {f['status']}, read {f['rows_read']},"
            f" loaded {f['rows_loaded']}, quarantined {f['rows_quarantined']}, processed {_ts(f['processed_at'])}"
            + (f"; {f['detail']}" if f["detail"] else "") for f in files] or ["not found"]))
        rows = _rows(conn, """
            select q.line_number, q.reason_code, q.reason, q.raw_record
            from raw.quarantined_rows as q
            where q.file_id = any(%s) and (%s::integer is null or q.line_number = %s::integer)
            order by q.line_number limit 50""",
                     ([f["file_id"] for f in files], brk["line_number"], brk["line_number"]))
        out.append(("quarantined row(s)", [f"line {r['line_number']}: {r['reason_code']}: {r['reason']}"
                                           f"  raw: {r['raw_record']}" for r in rows] or ["none"]))
    if brk["event_id"]:
        events = _rows(conn, "select * from marts.fct_order_events_located where event_id = %s",
                       (brk["event_id"],))
        lines = [f"{e['event_id']} {e['event_type']} at {_ts(e['event_at'])} seq {e['event_seq']} of {e['resource_id']}"
                 f" (account {e['account_id']}), first landed from {_where(e['file_name'], e['line_number'])}:"
                 + (" held: account unknown" if e["is_held"] else f" applied -> {e['state_after']}" if e["is_applied"]
                    else f" not applied: {e['anomaly_type']} ({e['anomaly_detail']})")
                 for e in events]
        repeats = _rows(conn, """
            select f.file_name, r.line_number, r.is_conflict, r.raw_record
            from raw.order_event_repeats as r join raw.inbox_files as f on f.file_id = r.file_id
            where r.event_id = %s order by r.file_id, r.line_number""", (brk["event_id"],))
        lines += [f"delivered again from {_where(r['file_name'], r['line_number'])}"
                  f" ({'other content: conflict' if r['is_conflict'] else 'same content'})  raw: {r['raw_record']}"
                  for r in repeats]
        out.append(("event", lines or ["not landed (quarantined rows never land)"]))
    if kind == "unpriced_usage":
        rows = _rows(conn, """
            select tenant, resource_id, reason, sum(seconds) as seconds, min(unpriced_from_at) as from_at,
                   max(unpriced_to_at) as to_at
            from marts.fct_unpriced_usage
            where usage_date = %s and account_id = %s and sku = %s
            group by tenant, resource_id, reason order by resource_id, tenant""",
                     (brk["business_date"], brk["account_id"], brk["sku"]))
        out.append(("unpriced usage now", [
            f"{r['tenant']} {r['resource_id']}: {r['reason']}, {_num(r['seconds'])} s,"
            f" {_ts(r['from_at'])} -> {_ts(r['to_at'])}" for r in rows] or ["none left: a price has arrived"]))
    if kind == "currency_change":
        rows = _rows(conn, """
            select f.file_name, a.line_number, a.currency, a.raw_record
            from raw.accounts as a join raw.inbox_files as f on f.file_id = a.file_id
            where a.account_id = %s order by a.file_id, a.line_number""", (brk["account_id"],))
        out.append(("accounts rows", [f"{_where(r['file_name'], r['line_number'])}: currency {r['currency']}"
                                      for r in rows]))
    if not out:
        out.append(("detail", [brk["detail"] or "-"]))
    return out


def render_break(expl: BreakExplanation) -> str:
    b = expl.brk
    out = [f"break {b['break_id']}: {b['recon_level']} {b['break_type']}, {b['status']}"
           f" (detected {_ts(b['detected_at'])}"
           + (f", resolved {_ts(b['resolved_at'])}" if b.get("resolved_at") else "") + ")"]
    key = ", ".join(f"{k} {b[k]}" for k in ("business_date", "account_id", "sku", "event_type", "resource_id")
                    if b.get(k) is not None)
    out.append(f"  {key}")
    if b["expected"] is not None or b["actual"] is not None:
        out.append(f"  expected {_num(b['expected'])}, actual {_num(b['actual'])}, difference {_num(b['difference'])}"
                   + (f" {b['currency']}" if b["currency"] else ""))
    out.append(f"  {b['detail']}")
    for title, lines in expl.sections:
        out.append(f"  {title}:")
        out.extend(f"    {line}" for line in lines)
    return "\n".join(out)
