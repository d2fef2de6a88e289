"""A small hand-made world for the pricing tests: accounts, a catalogue with categories, fx rates, order events."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from iaas_billing.base import db
from tests.rating.raw_rows import RawWriter, event, ts

D = Decimal
OCT, NOV = date(2026, 10, 1), date(2026, 11, 1)
END_OF_OCTOBER = ts("2026-11-01T00:00:00Z")   # the build whose preview is compared with the issued invoice
OCT_CLOSE = ts("2026-11-01T01:00:00Z")        # end + the 1-hour grace
NOV_CLOCK = ts("2026-11-10T12:00:00Z")        # a build in the middle of November (the open period)

ACCOUNTS = [("ACC-1", "US", "USD"), ("ACC-2", "JP", "JPY"), ("ACC-3", "BH", "BHD")]
HEADER = ["sku", "product_name", "category", "charge_type", "unit", "tenant", "currency", "unit_price",
          "idle_unit_price", "effective_from"]
ATTRIBUTES = {  # sku: product_name, category, charge_type, unit
    "cpu": ("Standard vCPU", "compute", "hourly", "vCPU"),
    "disk": ("SSD block storage", "storage", "monthly", "GB"),
    "lic": ("Windows Server licence", "license", "annual", "core"),
    "setup": ("Onboarding", "service", "one_time", "each"),
}
PRICES = [  # sku, tenant, currency, unit_price, idle_unit_price (from 2026-01-01)
    ("cpu", "SO", "USD", "0.05", "0"), ("cpu", "SO", "JPY", "7.3", "0"), ("cpu", "SO", "BHD", "0.0185", "0"),
    ("cpu", "HO", "USD", "0.02", "0"), ("cpu", "HO", "JPY", "3.1", "0"), ("cpu", "HO", "BHD", "0.007", "0"),
    ("disk", "SO", "USD", "0.10", "0.10"), ("disk", "HO", "USD", "0.04", "0.04"),
    ("lic", "SO", "JPY", "12000", "0"), ("lic", "HO", "JPY", "5000", "0"),
    ("setup", "SO", "USD", "50.00", "0"), ("setup", "HO", "USD", "30.00", "0"),
]
FX = [(OCT, "JPY", D("0.0066")), (OCT, "BHD", D("2.6596"))]  # USD is 1 without a row

OCTOBER_EVENTS = [
    event("a1", "2026-10-01T00:00:00Z", 1, "ACC-1", "vm-1", "CREATE", {"cpu": 2, "disk": 10, "setup": 1}),
    event("a2", "2026-10-11T00:00:00Z", 2, "ACC-1", "vm-1", "SUSPEND"),
    event("a3", "2026-10-21T00:00:00Z", 3, "ACC-1", "vm-1", "RESUME"),
    event("b1", "2026-10-15T12:00:00Z", 1, "ACC-2", "vm-2", "CREATE", {"cpu": 1, "lic": 1}),
    event("c1", "2026-10-20T00:00:30Z", 1, "ACC-3", "db-3", "CREATE", {"cpu": 1}),
]
NOVEMBER_EVENTS = [
    event("a4", "2026-11-05T00:00:00Z", 4, "ACC-1", "vm-1", "MODIFY", {"cpu": 4, "disk": 10, "setup": 2}),
    event("b2", "2026-11-08T00:00:00Z", 2, "ACC-2", "vm-2", "SHUTDOWN"),
]


class PricingWriter(RawWriter):
    """RawWriter with a catalogue that carries real SKU attributes, and fx rates."""

    def catalog(self, rows: list[tuple], name: str = "catalog_20260101.csv") -> int:
        """rows: (sku, tenant, currency, unit_price, idle_unit_price); effective 2026-01-01."""
        with db.connect(self.url) as conn, conn.transaction():
            file_id = self._file(conn, name, "catalog", len(rows))
            for n, (sku, tenant, currency, price, idle) in enumerate(rows, start=2):
                product, category, charge_type, unit = ATTRIBUTES[sku]
                conn.execute(
                    "insert into raw.catalog_prices (file_id, line_number, sku, product_name, category, charge_type,"
                    " unit, tenant, currency, unit_price, idle_unit_price, effective_from, raw_record)"
                    " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '2026-01-01', %s)",
                    (file_id, n, sku, product, category, charge_type, unit, tenant, currency, D(price), D(idle),
                     f"{sku},{tenant},{currency}"))
        return file_id

    def fx_rates(self, rows: list[tuple], name: str = "fx_rates_202610.csv") -> int:
        with db.connect(self.url) as conn, conn.transaction():
            file_id = self._file(conn, name, "fx_rates", len(rows))
            for n, (period, currency, rate) in enumerate(rows, start=2):
                conn.execute("insert into raw.fx_rates (file_id, line_number, period, currency, usd_per_unit,"
                             " raw_record) values (%s, %s, %s, %s, %s, %s)",
                             (file_id, n, period, currency, rate, f"{period:%Y-%m},{currency},{rate}"))
        return file_id


def proposal_csv(prices: list[tuple]) -> str:
    """A proposed price list in the catalog_*.csv format from (sku, tenant, currency, unit_price, idle) rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for sku, tenant, currency, price, idle in prices:
        writer.writerow([sku, *ATTRIBUTES[sku][:2], ATTRIBUTES[sku][2], ATTRIBUTES[sku][3], tenant, currency, price,
                         idle, "2026-10-01"])
    return out.getvalue()
