"""`iaas-billing export focus`: a FOCUS 1.2 dataset that the FinOps Foundation's focus-validator passes, split by
resource, whose BilledCost sums exactly to the issued invoices: their lines (net) and their taxes as Tax rows."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from decimal import Decimal

import pytest

from iaas_billing import cli
from tests.finance import focus_validator, world
from tests.finance.conftest import connect

MANDATORY = [  # FOCUS 1.2 CostAndUsage columns without a condition, and the conditional ones we claim
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
    "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingQuantity",
    "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName",
    "ConsumedQuantity", "ConsumedUnit", "ResourceId", "ResourceType", "SkuId", "ListUnitPrice", "ContractedUnitPrice",
    "InvoiceId",
]
EXPORTS = [("SO", "2026-10"), ("HO", "2026-10"), ("SO", "2026-09"), ("HO", "2026-09")]


@pytest.fixture(scope="module")
def exports(finance_url, tmp_path_factory):
    """Every tenant and period of the world exported by the command: {(tenant, period): (path, rows)}."""
    folder = tmp_path_factory.mktemp("focus")
    result = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BILLING_DATABASE_URL", finance_url.render_as_string(hide_password=False))
        for tenant, period in EXPORTS:
            out = folder / f"focus_{tenant.lower()}_{period}.csv"
            assert cli.main(["export", "focus", "--period", period, "--tenant", tenant, "--out", str(out)]) == 0
            with out.open(newline="", encoding="utf-8") as handle:
                result[(tenant, period)] = out, list(csv.DictReader(handle))
    return result


@pytest.fixture(scope="module")
def exported(exports):
    return exports[("SO", "2026-10")]


def _issued(finance_url):
    with connect(finance_url) as conn:
        invoices = {inv: total for inv, total in conn.execute("select invoice_id, total_amount from marts.fct_invoices")}
        lines = {(inv, str(n)): amount for inv, n, amount in conn.execute(
            "select invoice_id, line_number, amount from marts.fct_invoice_lines")}
    return invoices, lines


def _gross(finance_url) -> dict[str, Decimal]:
    with connect(finance_url) as conn:
        return dict(conn.execute("select invoice_id, gross_amount from marts.fct_invoices"))


def _taxes(finance_url) -> dict[str, Decimal]:
    """The tax of each SO invoice, summed over its groups by SQL on the mart."""
    with connect(finance_url) as conn:
        return dict(conn.execute("select invoice_id, sum(tax_amount) from marts.fct_invoice_taxes group by 1"))


def _lines(rows: list[dict]) -> list[dict]:
    """The rows of invoice lines (Usage and Adjustment), without the Tax rows."""
    return [r for r in rows if r["ChargeCategory"] != "Tax"]


def test_every_mandatory_column_and_the_period_charges(finance_url, exported):
    _, rows = exported
    assert set(MANDATORY) <= set(rows[0])
    charges = _lines(rows)
    assert len({(r["InvoiceId"], r["x_InvoiceLineNumber"]) for r in charges}) == 11  # SO lines of October, world.py
    assert len(charges) == 18  # their 18 line x resource shares; no SO line of October needs a rounding row
    assert len(rows) == 18 + 5  # and the 5 tax groups of its 4 invoices (world.TAXES)
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for row in charges:
        by_currency[row["BillingCurrency"]] += Decimal(row["BilledCost"])
        assert row["BilledCost"] == row["EffectiveCost"] == row["ListCost"] == row["ContractedCost"]
        assert row["BillingPeriodStart"] == "2026-10-01T00:00:00Z" and row["BillingPeriodEnd"] == "2026-11-01T00:00:00Z"
        assert row["x_Tenant"] == "SO"
    # 100.24 USD + 9264 JPY + 13.560 BHD + 53.60 EUR (world.TOTALS)
    assert by_currency == {"USD": Decimal("100.24"), "JPY": Decimal("9264"), "BHD": Decimal("13.560"),
                           "EUR": Decimal("53.60")}


@pytest.mark.parametrize(("tenant", "period"), EXPORTS)
def test_billed_cost_sums_per_invoice_and_line_equal_the_issued_invoices_exactly(finance_url, exports, tenant, period):
    _, rows = exports[(tenant, period)]
    invoices, lines = _issued(finance_url)
    taxes, payable = _taxes(finance_url), _gross(finance_url)
    per_invoice: dict[str, Decimal] = defaultdict(Decimal)
    gross: dict[str, Decimal] = defaultdict(Decimal)
    per_line: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows:
        gross[row["InvoiceId"]] += Decimal(row["BilledCost"])
    for row in _lines(rows):
        per_invoice[row["InvoiceId"]] += Decimal(row["BilledCost"])
        per_line[(row["InvoiceId"], row["x_InvoiceLineNumber"])] += Decimal(row["BilledCost"])
    prefix = f"{tenant}-{period.replace('-', '')}-"
    # the lines' rows are the net amount (revenue excludes tax, rules §9), all rows the payable gross amount
    assert per_invoice == {inv: total for inv, total in invoices.items() if inv.startswith(prefix)}
    assert gross == {inv: total + taxes.get(inv, 0) for inv, total in invoices.items() if inv.startswith(prefix)}
    assert gross == {inv: amount for inv, amount in payable.items() if inv.startswith(prefix)}  # BilledCost-C-007-M
    assert per_line == {key: amount for key, amount in lines.items() if key[0].startswith(prefix)}
    # every line of the world has lineage, so every Usage row names its resource
    assert all(r["ResourceId"] for r in rows if r["ChargeCategory"] == "Usage")


@pytest.mark.rule("9.8")
@pytest.mark.parametrize("period", ["2026-10", "2026-09"])
def test_tax_rows_tie_to_fct_invoice_taxes_per_invoice_to_the_minor_unit(finance_url, exports, period):
    _, rows = exports[("SO", period)]
    per_invoice: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        if row["ChargeCategory"] == "Tax":
            per_invoice[row["InvoiceId"]] += Decimal(row["BilledCost"])
    prefix = f"SO-{period.replace('-', '')}-"
    expected = {inv: tax for inv, tax in _taxes(finance_url).items() if inv.startswith(prefix)}
    assert per_invoice == expected
    assert not [r for r in exports[("HO", period)][1] if r["ChargeCategory"] == "Tax"]  # HO statements carry none


@pytest.mark.rule("9.8")
def test_each_tax_group_is_one_tax_row_of_its_invoice(finance_url, exported):
    _, rows = exported
    taxes = [r for r in rows if r["ChargeCategory"] == "Tax"]
    us, jp, bh, de = (world.invoice_id("SO", acc, world.OCT) for acc in ("ACC-001", "ACC-002", "ACC-003", "ACC-004"))
    # world.TAXES, by hand: the September adjustment line of ACC-001 keeps September's 6 % (0.96 x 0.06 = 0.0576),
    # its October lines 7.25 % (99.28 x 0.0725 = 7.1978); 9264 JPY x 10 % = 926.4; 13.560 BHD x 10 %; DE reverse charged
    assert [(r["InvoiceId"], r["ChargeDescription"], r["BilledCost"], r["x_TaxRate"], r["x_TaxableAmount"],
             r["x_IsReverseCharge"]) for r in taxes] == [
        (us, f"Sales tax 6 % on {us}", "0.06", "0.06", "0.96", "false"),
        (us, f"Sales tax 7.25 % on {us}", "7.20", "0.0725", "99.28", "false"),
        (jp, f"Consumption tax 10 % on {jp}", "926.0", "0.10", "9264.0", "false"),
        (bh, f"VAT 10 % on {bh}", "1.356", "0.10", "13.560", "false"),
        (de, f"VAT reverse charge on {de}: the customer accounts for the tax", "0.00", "0.0", "53.60", "true")]
    # each after its invoice's lines
    assert [r["ChargeCategory"] for r in rows if r["InvoiceId"] == us][-3:] == ["Usage", "Tax", "Tax"]
    accounts = {r["InvoiceId"]: (r["BillingAccountId"], r["BillingAccountName"], r["BillingCurrency"])
                for r in _lines(rows)}
    for row in taxes:
        assert row["BilledCost"] == row["EffectiveCost"] == row["ListCost"] == row["ContractedCost"]
        account = (row["BillingAccountId"], row["BillingAccountName"], row["BillingCurrency"])
        assert account == accounts[row["InvoiceId"]]
        assert (row["BillingPeriodStart"], row["BillingPeriodEnd"]) == ("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")
        assert (row["ChargePeriodStart"], row["ChargePeriodEnd"]) == ("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")
        assert (row["ChargeFrequency"], row["ChargeClass"], row["x_Tenant"]) == ("One-Time", "", "SO")
        assert (row["ServiceCategory"], row["ServiceSubcategory"], row["ServiceName"]) == (
            "Other", "Other (Other)", "Tax")
        # FOCUS 1.2 wants no SKU, price or quantity on a Tax row; it is on no resource and no invoice line
        assert not any(row[c] for c in (
            "SkuId", "SkuPriceId", "ListUnitPrice", "ContractedUnitPrice", "PricingQuantity", "PricingUnit",
            "PricingCategory", "ConsumedQuantity", "ConsumedUnit", "ResourceId", "ResourceType",
            "x_InvoiceLineNumber", "x_ChargeType", "x_RateKind", "x_AdjustedPeriod")), row
    assert all(r["x_TaxRate"] == r["x_TaxableAmount"] == r["x_IsReverseCharge"] == "" for r in _lines(rows))


def test_resource_shares_are_exact_and_the_line_is_rounded_once(exports):
    so = exports[("SO", "2026-10")][1]
    ho = exports[("HO", "2026-10")][1]
    jpy = {r["ResourceId"]: r["BilledCost"] for r in so
           if r["InvoiceId"] == world.invoice_id("SO", "ACC-002", world.OCT) and r["SkuId"] == "cpu.std.vcpu"}
    # half yens stay half yens: rounded per resource they would be 1490 + 1490 + 1485 = 4465, not the line's 4464
    assert jpy == {"vm-002-a": "1489.5", "vm-002-b": "1489.5", "vm-002-c": "1485.0"}
    # HO memory of ACC-001: 5952 GB-hours x 0.003 = 17.856, issued as 17.86; shares 12.0015 + 5.8545 and the
    # line's rounding +0.004 as its own Adjustment row, with no resource, quantity or price
    memory = [r for r in ho if r["SkuId"] == "mem.std.gb"]
    assert [(r["ChargeCategory"], r["ResourceId"], r["BilledCost"]) for r in memory] == [
        ("Usage", "vm-001-a", "12.0015"), ("Usage", "vm-001-b", "5.8545"), ("Adjustment", "", "0.004")]
    rounding = memory[-1]
    assert rounding["PricingQuantity"] == rounding["ListUnitPrice"] == rounding["PricingUnit"] == ""
    assert rounding["ConsumedQuantity"] == rounding["SkuPriceId"] == "" and rounding["ResourceType"] == ""
    assert rounding["ChargeDescription"] == "Standard memory - rounding of invoice line 2"
    # a resource's cost is its price times its quantity (thirds of an hour included), up to the 30th decimal
    for row in so + ho:
        if row["ChargeCategory"] == "Usage":
            product = Decimal(row["ListUnitPrice"]) * Decimal(row["PricingQuantity"])
            assert abs(product - Decimal(row["BilledCost"])) < Decimal("1e-25"), row
    thirds = {r["ResourceId"]: r["PricingQuantity"] for r in so if r["BillingAccountId"] == "ACC-004"
              and r["SkuId"] == "cpu.std.vcpu"}
    assert thirds == {"vm-004-a": "33.333333333333333333333333333333", "vm-004-b": "66.666666666666666666666666666667"}
    types = {r["ResourceId"]: r["ResourceType"] for r in so + ho if r["ResourceId"]}
    assert types["vm-001-a"] == "vm" and types["vol-001-b"] == "volume"
    assert types["vm-004-b"] == "unknown"  # its events never said; FOCUS wants a type wherever ResourceId is set


def test_adjustment_lines_are_corrections_of_the_period_they_adjust(exported):
    _, rows = exported
    corrections = [r for r in rows if r["ChargeClass"] == "Correction"]
    # September's cpu of ACC-001 re-rated: vm-001-a 720 -> 714 unit-hours, vm-001-b 720 -> 750: 0.96 = -0.24 + 1.20
    assert sorted((r["ResourceId"], r["BilledCost"], r["PricingQuantity"]) for r in corrections) == [
        ("vm-001-a", "-0.24", "-6.0"), ("vm-001-b", "1.2", "30.0")]
    for row in corrections:
        assert (row["SkuId"], row["x_AdjustedPeriod"]) == ("cpu.std.vcpu", "2026-09-01")
        assert (row["ChargePeriodStart"], row["ChargePeriodEnd"]) == ("2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z")
        assert row["BillingPeriodStart"] == "2026-10-01T00:00:00Z"
    assert all(r["ChargeClass"] == "" for r in rows if r["x_AdjustedPeriod"] == "")


# focus-validator 2.2.1's model (rules/model-1.2.0.1.json) gives InvoiceId's two nullability rules no Condition:
# InvoiceId-C-004-C checks `InvoiceId IS NULL` and InvoiceId-C-005-C `InvoiceId IS NOT NULL` on every row, so on
# any non-empty dataset their violations add up to the row count and one of them fails, while their parent
# InvoiceId-C-003-C (C-004 OR C-005) passes. Every charge here is on an issued invoice: C-005 is the rule that
# applies. docs/finance.md has the evidence.
VALIDATOR_DEFECT = "InvoiceId-C-004-C"


def _failed(report_fails: list[str]) -> dict[str, int]:
    found = {}
    for line in report_fails:
        match = re.search(r"([A-Za-z]+-[A-Z]-\d{3}-[A-Z]): FAIL\s+\(violations=(\d+)", line)
        if match:
            found[match.group(1)] = int(match.group(2))
    return found


@pytest.mark.parametrize("tenant", ["SO", "HO"])
def test_focus_validator_fails_only_its_own_contradiction(exports, tenant):
    path, rows = exports[(tenant, "2026-10")]
    fails, report = focus_validator.validate(path)
    assert re.search(r"Total: \d+ \| Pass: [1-9]\d*", report), report[:500]  # it ran its rules
    assert _failed(fails) == {VALIDATOR_DEFECT: len(rows)}, "\n".join(fails)  # every row has its InvoiceId
    assert "InvoiceId-C-003-C: PASS" in report and "InvoiceId-C-005-C: PASS" in report


def test_focus_validator_fails_the_other_branch_when_invoice_id_is_null(exported, tmp_path):
    """The contradiction: the same dataset with InvoiceId emptied fails C-005 instead, and only it."""
    path, rows = exported
    nulled = tmp_path / "focus_without_invoice_id.csv"
    with path.open(newline="", encoding="utf-8") as source, nulled.open("w", newline="", encoding="utf-8") as target:
        reader = csv.DictReader(source)
        writer = csv.DictWriter(target, reader.fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows({**row, "InvoiceId": ""} for row in reader)
    fails, report = focus_validator.validate(nulled)
    assert _failed(fails) == {"InvoiceId-C-005-C": len(rows)}, "\n".join(fails)
    assert "InvoiceId-C-003-C: PASS" in report and "InvoiceId-C-004-C: PASS" in report


# FOCUS 1.2's rules that want SKU and price columns null on Tax rows sit under parents that apply only to a provider
# with a public price list and unit pricing, which we are: with those two criteria the validator runs them (and also
# fails columns we do not claim: PricingCurrency*, SkuMeter, SkuPriceDetails; docs/finance.md).
PRICE_LIST = ("PUBLIC_PRICE_LIST_SUPPORTED", "UNIT_PRICING_SUPPORTED")
TAX_RULES = ["SkuId-C-004-C", "SkuPriceId-C-004-C", "ListUnitPrice-C-004-C", "PricingQuantity-C-004-C"]


def test_focus_validator_checks_the_tax_rows(exported, tmp_path):
    """The Tax rows pass FOCUS 1.2's Tax rules, and the validator does read them: the same dataset with a SKU, a price
    and a quantity on its 5 Tax rows fails each rule 5 times."""
    path, _ = exported
    _, report = focus_validator.validate(path, criteria=PRICE_LIST)
    assert all(f"{rule}: PASS" in report for rule in TAX_RULES), report
    priced = tmp_path / "focus_with_priced_tax.csv"
    with path.open(newline="", encoding="utf-8") as source, priced.open("w", newline="", encoding="utf-8") as target:
        reader = csv.DictReader(source)
        writer = csv.DictWriter(target, reader.fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows({**row, "SkuId": "tax", "SkuPriceId": "tax", "ListUnitPrice": "1.0", "PricingQuantity": "1.0",
                          "PricingUnit": "Units"} if row["ChargeCategory"] == "Tax" else row for row in reader)
    fails, _ = focus_validator.validate(priced, criteria=PRICE_LIST)
    failed = _failed(fails)
    assert {rule: failed.get(rule) for rule in TAX_RULES} == dict.fromkeys(TAX_RULES, 5), "\n".join(fails)


def test_units_are_in_focus_unit_format(exports):
    # world.SKUS' catalogue units with their charge types, in FOCUS 1.2's Unit Format (int_skus_focus_units)
    units = {(r["SkuId"], r["PricingUnit"], r["ConsumedUnit"]) for rows in (e[1] for e in exports.values())
             for r in rows if r["PricingUnit"]}  # a rounding row has none
    assert {(sku, unit) for sku, unit, _ in units} == {
        ("cpu.std.vcpu", "vCPU-Hours"), ("mem.std.gb", "GB-Hours"), ("stor.ssd.gb", "GB-Months"),
        ("lic.win.core", "Core-Years"), ("setup.fee", "Units")}
    assert all(pricing == consumed for _, pricing, consumed in units)
