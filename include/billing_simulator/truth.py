"""The ground truth beside the inbox (`DIR/truth/`), which the platform never reads.

- `daily_lines.csv`: final reference daily lines, both tenants, every delivered event, for the days
  of the range and of the 48-hour tail after it (resources still running keep accruing).
- `invoice_lines_at_close.csv`: per period, what the bill run sees when it closes the period at
  period end + 1 h grace (only files delivered by then).
- `adjustment_lines.csv`: per line key of a closed period, final rounded amount minus at-close
  rounded amount where not 0, billed on the next period.
- `invoices.csv`: every invoice the bill run issues for a period of the range, both tenants: the
  period's own lines at close plus the adjustment lines billed onto it (those of the period before);
  `net_amount` the sum of its lines, `tax_amount` the sum of its tax groups, `gross_amount` the two
  added, `payment_terms_days` the account's terms (30 where the accounts file leaves it empty). HO
  cost statements: tax 0, gross = net, terms empty. Not the invoice after the range, which carries
  the last period's adjustment lines (its own lines are not simulated); nor, with
  `--missing-tax-rate`, any period from the first one that cannot be closed on.
- `invoice_taxes.csv`: per SO invoice and tax group (tax_name, rate, is_reverse_charge), rules §9:
  each line at the rate of the account's country in force on the last day of the period its charges
  belong to (`adjusted_period` for adjustment lines), rate 0 where that row is reverse charge and
  the account has a `tax_id`; `taxable_amount` the group's lines summed, `tax_amount` that times
  the rate rounded once, half away from zero, to the currency's minor units.
- `discrepancies.csv`: every injected discrepancy.
- `expected_breaks.csv`: every break the platform should hold after processing the whole inbox
  (with `--missing-tax-rate CC`: a `missing_tax_rate` break per period whose invoices carry SO
  lines of CC, `business_date` the period, `detail` naming CC).
- `params.json`: the arguments, the dates the simulation fixed, and counts.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from billing_simulator.discrepancies import Discrepancy
from billing_simulator.instants import date_of
from billing_simulator.money import format_decimal
from billing_simulator.reference_rater import (
    Account,
    DailyLine,
    Event,
    Held,
    InvoiceLine,
    RatingResult,
    apply_lifecycle,
    land,
    quantity_6dp,
)
from billing_simulator.spill import concatenate

DAILY_HEADER = ["tenant", "usage_date", "account_id", "sku", "currency", "amount"]
INVOICE_HEADER = ["tenant", "account_id", "billing_period", "sku", "charge_type", "rate_kind", "unit_price",
                  "quantity", "currency", "amount"]
ADJUSTMENT_HEADER = INVOICE_HEADER + ["adjusted_period"]
DISCREPANCY_HEADER = ["kind", "level", "break_type", "business_date", "account_id", "sku", "event_type", "currency",
                      "expected", "actual", "description"]
BREAK_HEADER = ["recon_level", "break_type", "business_date", "account_id", "sku", "event_type", "expected",
                "actual", "status", "currency", "file_name", "line_number", "event_id", "resource_id", "detail"]
DQ = "DATA_QUALITY"


@dataclass(frozen=True)
class AdjustmentLine:
    line: InvoiceLine  # billing_period = the next period; quantity and amount are differences
    adjusted_period: date


def adjustments(final: Iterable[InvoiceLine], at_close: Iterable[InvoiceLine], next_period: date,
                period: date) -> list[AdjustmentLine]:
    """Re-rated minus billed, per line key of `period` (rules §5): a gone key goes to zero, a new
    key comes up from zero; differences of zero are not written."""
    now = {line.key: line for line in final}
    billed = {line.key: line for line in at_close}
    out = []
    for key in sorted(set(now) | set(billed)):
        new, old = now.get(key), billed.get(key)
        amount = (new.amount if new else 0) - (old.amount if old else 0)
        if amount == 0:
            continue
        quantity = (new.quantity if new else 0) - (old.quantity if old else 0)
        exact = (new.exact if new else 0) - (old.exact if old else 0)
        model = new or old
        out.append(AdjustmentLine(InvoiceLine(model.tenant, model.account_id, next_period, model.sku,
                                              model.charge_type, model.rate_kind, model.unit_price, quantity,
                                              model.currency, amount, exact), period))
    return out


def _invoice_row(line: InvoiceLine) -> list[str]:
    return [line.tenant, line.account_id, line.billing_period.isoformat(), line.sku, line.charge_type,
            line.rate_kind, format_decimal(line.unit_price), format_decimal(quantity_6dp(line.quantity)),
            line.currency, format_decimal(line.amount)]


def transient_anomalies(events: list[Event], account: Account, final_ids: set[str]) -> list[tuple[Event, str | None]]:
    """Anomalies a platform processing files in delivery order sees for a while, until a late
    event lands and makes them valid (e.g. a SHUTDOWN delivered before its resource's CREATE)."""
    landed, _, _ = land(events, None)
    by_resource: dict[str, list[Event]] = defaultdict(list)
    for e in landed:
        by_resource[e.resource_id].append(e)
    found: dict[str, tuple[Event, str | None]] = {}
    for resource_id in sorted(by_resource):
        evs = by_resource[resource_id]

        def effective(e: Event) -> int:  # held events apply once their account is visible
            return max(e.delivered_at, account.visible_at)

        ordered = sorted(evs, key=lambda e: (e.event_time, e.seq, e.landing))
        instants = [effective(e) for e in ordered]
        if instants == sorted(instants):  # arrivals in time order: every prefix is final
            continue
        for u in sorted(set(instants))[:-1]:
            for anomaly in apply_lifecycle([e for e in evs if effective(e) <= u]).anomalies:
                if anomaly.event.event_id not in final_ids:
                    found.setdefault(anomaly.event.event_id, (anomaly.event, anomaly.state))
    return list(found.values())


STREAMS = {"daily_lines.csv": DAILY_HEADER, "invoice_lines_at_close.csv": INVOICE_HEADER,
           "adjustment_lines.csv": ADJUSTMENT_HEADER}
PARTS = "invoice_parts.csv"  # a chunk's own: tenant,account_id,billing_period,currency,charges_period,amount


class TruthWriter:
    """The truth of a chunk of accounts: line files streamed without headers into the chunk's
    folder, breaks and discrepancies kept (they are few) until `close` sorts and writes them."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._files = {name: open(directory / name, "w", encoding="utf-8", newline="")  # noqa: SIM115
                       for name in [*STREAMS, PARTS]}
        self.discrepancies: list[Discrepancy] = []
        self.breaks: list[list[str]] = []
        self.counts: dict[str, int] = defaultdict(int)

    # streamed, account by account ------------------------------------------------------------
    def daily(self, lines: Iterable[DailyLine]) -> None:
        # the hot path: plain text (no simulated id, SKU or amount ever needs CSV quoting)
        text = [f"{x.tenant},{x.usage_date.isoformat()},{x.account_id},{x.sku},{x.currency},{x.amount:f}\n"
                for x in lines]
        self._files["daily_lines.csv"].write("".join(text))
        self.counts["daily_lines"] += len(text)

    def at_close(self, lines: Iterable[InvoiceLine]) -> None:
        text = [",".join(_invoice_row(line)) + "\n" for line in lines]  # nothing simulated needs quoting
        self._files["invoice_lines_at_close.csv"].write("".join(text))
        self.counts["invoice_lines_at_close"] += len(text)

    def adjustments(self, rows: Iterable[AdjustmentLine]) -> None:
        text = [",".join(_invoice_row(row.line) + [row.adjusted_period.isoformat()]) + "\n" for row in rows]
        self._files["adjustment_lines.csv"].write("".join(text))
        self.counts["adjustment_lines"] += len(text)

    def invoice_parts(self, period: date, at_close: list[InvoiceLine], carried: list[AdjustmentLine]) -> None:
        """What the account's invoices of `period` are made of: per tenant and period the charges belong to
        (the period, or the one an adjustment line adjusts), the sum of the lines (tax_truth makes the invoices)."""
        sums: dict[tuple[str, date], list] = {}
        for line, charges in [(x, x.billing_period) for x in at_close] + [(a.line, a.adjusted_period) for a in carried]:
            entry = sums.setdefault((line.tenant, charges), [line.account_id, line.currency, Decimal(0)])
            entry[2] += line.amount
        self._files[PARTS].write("".join(
            f"{tenant},{account_id},{period.isoformat()},{currency},{charges.isoformat()},{amount:f}\n"
            for (tenant, charges), (account_id, currency, amount) in sorted(sums.items())))

    # breaks ------------------------------------------------------------------------------------
    def discrepancy(self, items: Iterable[Discrepancy]) -> None:
        for d in items:
            self.discrepancies.append(d)
            self.add_break(d.level, d.break_type, d.business_date, d.account_id, sku=d.sku, event_type=d.event_type,
                           expected=d.expected, actual=d.actual, currency=d.currency, detail=d.description)

    def add_break(self, *args, **kwargs) -> None:
        self.breaks.append(break_row(*args, **kwargs))

    def data_quality(self, account: Account, result: RatingResult, transient: list[tuple[Event, str | None]],
                     unpriced_seen: RatingResult | None, unpriced_file: str) -> None:
        """The DATA_QUALITY breaks of one account that rating finds (not those of file lines)."""
        for a in result.anomalies:
            e = a.event
            self.add_break(DQ, "lifecycle_anomaly", date_of(e.event_time), e.account_id, event_type=e.event_type,
                           file_name=e.landing[2], event_id=e.event_id, resource_id=e.resource_id,
                           detail=f"{e.event_type} not allowed from {a.state or 'a resource not created'}")
        for e, state in transient:
            self.add_break(DQ, "lifecycle_anomaly", date_of(e.event_time), e.account_id, event_type=e.event_type,
                           status="resolved", file_name=e.landing[2], event_id=e.event_id,
                           resource_id=e.resource_id,
                           detail=f"{e.event_type} not allowed from {state or 'a resource not created'} "
                                  "until an earlier event landed late")
        self.held_events(result.held)
        final_unpriced = {(u.usage_date, u.sku) for u in result.unpriced}
        seen: dict[tuple[date, str], dict[str, object]] = {}
        for source in ([unpriced_seen] if unpriced_seen else []) + [result]:
            for u in source.unpriced:
                entry = seen.setdefault((u.usage_date, u.sku), {})
                entry[u.tenant] = entry.get(u.tenant, 0) + u.quantity
        for (day, sku), tenants in sorted(seen.items()):
            still = (day, sku) in final_unpriced
            quantities = ", ".join(f"{t} {q} unit-seconds" for t, q in sorted(tenants.items()))
            self.add_break(DQ, "unpriced_usage", day, account.account_id, sku=sku,
                           status="open" if still else "resolved", currency=account.currency,
                           detail=f"no price for {sku} ({quantities})"
                                  + ("" if still else f"; priced once {unpriced_file} landed"))

    def held_events(self, held: Iterable[Held]) -> None:
        """`held_event`: resolved once the account's first snapshot landed, open while none lists it."""
        for h in held:
            e = h.event
            self.add_break(DQ, "held_event", date_of(e.event_time), e.account_id, event_type=e.event_type,
                           status="open" if h.released_at is None else "resolved", file_name=e.landing[2],
                           event_id=e.event_id, resource_id=e.resource_id,
                           detail=(f"account {e.account_id} is in no accounts snapshot; held" if h.released_at is None
                                   else "account not in the accounts master when the event landed; released when "
                                        f"accounts_{date_of(h.released_at - 1):%Y%m%d}.csv landed"))

    # the end -------------------------------------------------------------------------------------
    def close_streams(self) -> None:
        for f in self._files.values():
            f.close()


def break_row(level: str, break_type: str, business_date: date, account_id: str, *, sku: str = "",
              event_type: str = "", expected: str = "", actual: str = "", status: str = "open", currency: str = "",
              file_name: str = "", line_number: int | str = "", event_id: str = "", resource_id: str = "",
              detail: str = "") -> list[str]:
    """One row of expected_breaks.csv, in BREAK_HEADER order."""
    return [level, break_type, business_date.isoformat(), account_id, sku, event_type, expected, actual, status,
            currency, file_name, str(line_number), event_id, resource_id, detail]


def file_line_breaks(tagged: list[tuple[str, int, str]]) -> list[list[str]]:
    """Breaks of single inbox lines, once their line numbers are known: quarantined rows and
    conflicting duplicates (the rejected copy)."""
    rows = []
    for file_name, number, tag in tagged:
        parts = tag.split("|")
        file_day = date(int(file_name[7:11]), int(file_name[11:13]), int(file_name[13:15]))
        if parts[0] == "Q":
            _, reason, account_id, event_id = parts
            rows.append(break_row(DQ, "quarantined_row", file_day, account_id, file_name=file_name,
                                  line_number=number, event_id=event_id, detail=reason))
        elif parts[0] == "C":
            _, event_id, account_id, event_type, resource_id, day = parts
            rows.append(break_row(DQ, "conflicting_duplicate", date.fromisoformat(day), account_id,
                                  event_type=event_type, file_name=file_name, line_number=number,
                                  event_id=event_id, resource_id=resource_id,
                                  detail="same event_id, other content; the first landed stands"))
    return rows


def write_truth(directory: Path, chunks: list[Path], discrepancies: list[Discrepancy], breaks: list[list[str]],
                counts: dict[str, int], params: dict) -> dict:
    """The truth folder: the chunks' line files in account order, then the sorted breaks,
    discrepancies and params.json; returns the params as written."""
    for name, header in STREAMS.items():
        concatenate(directory / name, ",".join(header) + "\n", [chunk / name for chunk in chunks])
    with open(directory / "discrepancies.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(DISCREPANCY_HEADER)
        for d in sorted(discrepancies, key=lambda d: (d.level, d.kind, d.business_date, d.account_id,
                                                           d.sku, d.event_type)):
            w.writerow([d.kind, d.level, d.break_type, d.business_date.isoformat(), d.account_id, d.sku,
                        d.event_type, d.currency, d.expected, d.actual, d.description])
    with open(directory / "expected_breaks.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(BREAK_HEADER)
        w.writerows(sorted(breaks))
    counts = dict(counts)
    counts["discrepancies"] = len(discrepancies)
    counts["expected_breaks"] = len(breaks)
    by_type: dict[str, int] = defaultdict(int)
    for row in breaks:
        by_type[f"{row[0]}/{row[1]}/{row[8]}"] += 1
    params = {**params, "truth_counts": counts, "expected_breaks_by_type": dict(sorted(by_type.items()))}
    with open(directory / "params.json", "w", encoding="utf-8") as f:
        json.dump(params, f, indent=2, sort_keys=True, default=str)
        f.write("\n")
    return params
