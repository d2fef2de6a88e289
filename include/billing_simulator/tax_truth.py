"""`truth/invoices.csv` and `truth/invoice_taxes.csv`: the chunks' invoice parts taxed (rules §9).

The tax table is fixed once every chunk has run, so that its rate change can fall where it shows:
on a country with an SO adjustment line of the month before the change (see `crossing_countries`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby
from pathlib import Path

from billing_simulator.money import format_decimal
from billing_simulator.reference_tax import MissingTaxRate, invoice
from billing_simulator.taxes import TaxRow
from billing_simulator.truth import PARTS

INVOICES_HEADER = ["tenant", "account_id", "billing_period", "currency", "net_amount", "tax_amount", "gross_amount",
                   "payment_terms_days"]
INVOICE_TAXES_HEADER = ["account_id", "billing_period", "currency", "tax_name", "rate", "is_reverse_charge",
                        "taxable_amount", "tax_amount"]


@dataclass(frozen=True)
class Customer:
    country: str
    tax_id: str
    terms: int | None


def _parts(chunks: Iterable[Path]) -> Iterator[list[str]]:
    for chunk in chunks:
        path = chunk / PARTS
        if path.exists():
            with open(path, encoding="utf-8", newline="") as f:
                yield from csv.reader(f)


def crossing_countries(chunks: list[Path], customers: dict[str, Customer], before: date, after: date) -> set[str]:
    """Countries with an SO invoice of `after` that carries adjustment lines of `before`."""
    return {customers[account].country for tenant, account, period, _, charges, _ in _parts(chunks)
            if tenant == "SO" and period == after.isoformat() and charges == before.isoformat()}


def write_invoices(directory: Path, chunks: list[Path], customers: dict[str, Customer],
                   rows: list[TaxRow]) -> set[tuple[date, str]]:
    """Both files, invoices in account order (the chunks' order); returns the (period, country) of the SO
    invoices that could not be taxed (no rate in force), which are not written, nor is any invoice of a
    period from the first of those on (such a period is not closed, nor any after it)."""
    untaxable: set[tuple[date, str]] = set()
    with open(directory / "invoices.csv", "w", encoding="utf-8", newline="") as fi, \
            open(directory / "invoice_taxes.csv", "w", encoding="utf-8", newline="") as ft:
        invoices, taxes = csv.writer(fi, lineterminator="\n"), csv.writer(ft, lineterminator="\n")
        invoices.writerow(INVOICES_HEADER)
        taxes.writerow(INVOICE_TAXES_HEADER)
        for (tenant, account, period, currency), group in groupby(_parts(chunks), key=lambda p: tuple(p[:4])):
            customer = customers[account]
            lines = [(Decimal(amount), date.fromisoformat(charges)) for *_, charges, amount in group]
            try:
                inv = invoice(tenant, account, date.fromisoformat(period), currency, lines, rows, customer.country,
                              customer.tax_id, customer.terms)
            except MissingTaxRate as exc:
                untaxable.add((date.fromisoformat(period), exc.country))
                continue
            terms = "" if inv.payment_terms_days is None else str(inv.payment_terms_days)
            invoices.writerow([tenant, account, period, currency, format_decimal(inv.net_amount),
                               format_decimal(inv.tax_amount), format_decimal(inv.gross_amount), terms])
            taxes.writerows([account, period, currency, g.tax_name, format_decimal(g.rate),
                             "true" if g.is_reverse_charge else "false", format_decimal(g.taxable_amount),
                             format_decimal(g.tax_amount)] for g in inv.groups)
    if untaxable:
        first = min(untaxable)[0].isoformat()
        for name, column in (("invoices.csv", 2), ("invoice_taxes.csv", 1)):
            path = directory / name
            head, *body = path.read_text(encoding="utf-8").splitlines(keepends=True)
            path.write_text(head + "".join(r for r in body if r.split(",")[column] < first), encoding="utf-8")
    return untaxable
