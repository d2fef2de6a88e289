"""The reconciliation checks: which model each level compares, and what counts as a break.

One `Check` is one break type. Its `query` is the SQL of one Great Expectations
`UnexpectedRowsExpectation` (see `recon.gx`): every row it returns is a break. The same query text,
with `{batch}` replaced by the model's relation, is what the break writer (`recon.register`)
executes set-based, so GX (pass/fail and the count) and the register (every row) can never
disagree about what a break is. Tolerances live here, in the suites, not in dbt.

Every candidate model has the same break-shaped columns (BREAK_COLUMNS): `break_key` (the natural
key of the break within its level and type), `business_date, account_id, sku, event_type, currency,
expected, actual, difference, file_name, line_number, event_id, resource_id, detail`.
"""

from __future__ import annotations

from dataclasses import dataclass

RULES = ("6.2", "6.3", "6.4", "6.5")  # docs/rules.md: what counts as a break at each level

L1 = "L1_PRIMARY_VS_SECONDARY"
L2 = "L2_ORDERSTREAM_VS_BILLING"
L3 = "L3_FINANCE_VS_ORDERSTREAM"
DQ = "DATA_QUALITY"
LEVELS = (L1, L2, L3, DQ)
DAILY_LEVELS = (L1, L2, DQ)  # the 02:00 revenue-assurance run
PERIOD_LEVELS = (L3,)  # after each bill run
MISSING_FILE = "missing_file"  # the freshness break: a due input file that has not arrived (data quality)

# Tolerances, in minor units of the line's currency (rules §6.2-6.4).
L1_TOLERANCE_MINOR_UNITS = 1  # "differing by more than one minor unit"
L3_TOLERANCE_MINOR_UNITS = 0  # finance's posted revenue "must equal" the invoice total
L2_TOLERANCE_EVENTS = 0  # control totals must equal the distinct events landed

BREAK_COLUMNS = ("break_key", "business_date", "account_id", "sku", "event_type", "currency",
                 "expected", "actual", "difference", "file_name", "line_number", "event_id", "resource_id",
                 "detail")


@dataclass(frozen=True)
class Level:
    name: str
    suite_name: str
    model: str  # dbt model in schema intermediate: the candidates GX validates
    checkpoint: str


LEVEL_DEFS = {
    L1: Level(L1, "recon_l1_primary_vs_secondary", "int_recon_l1_compared_lines", "revenue_assurance_daily"),
    L2: Level(L2, "recon_l2_orderstream_vs_billing", "int_recon_l2_compared_counts", "revenue_assurance_daily"),
    L3: Level(L3, "recon_l3_finance_vs_orderstream", "int_recon_l3_compared_periods", "period_reconciliation"),
    DQ: Level(DQ, "recon_data_quality", "int_recon_dq_issues", "revenue_assurance_daily"),
}
MODEL_SCHEMA = "intermediate"


@dataclass(frozen=True)
class Check:
    level: str
    break_type: str
    condition: str  # SQL boolean over the model's columns: true = a break
    description: str

    @property
    def model(self) -> str:
        return LEVEL_DEFS[self.level].model

    @property
    def relation(self) -> str:
        return f"{MODEL_SCHEMA}.{self.model}"

    @property
    def query(self) -> str:
        """The UnexpectedRowsExpectation query ({batch} is the model's table)."""
        return f"select {', '.join(BREAK_COLUMNS)} from {{batch}} where {self.condition}"

    def sql(self) -> str:
        """The same query, runnable as is."""
        return self.query.format(batch=self.relation)


def _minor(n: int) -> str:
    return f"{n} * minor_unit"


CHECKS: tuple[Check, ...] = (
    Check(L1, "missing_in_platform", "in_primary and not in_platform",
          "Primary billing charged a daily line this platform did not rate."),
    Check(L1, "missing_in_primary", "in_platform and not in_primary",
          "This platform rated a daily line primary billing did not charge."),
    Check(L1, "amount_mismatch",
          f"in_platform and in_primary and (currency_differs or abs(difference) > {_minor(L1_TOLERANCE_MINOR_UNITS)})",
          f"Both sides have the line and differ by more than {L1_TOLERANCE_MINOR_UNITS} minor unit "
          "(or are in different currencies)."),
    Check(L2, "count_shortfall", f"expected - actual > {L2_TOLERANCE_EVENTS}",
          "The order stream counted more events than landed here (lost events)."),
    Check(L2, "count_excess", f"actual - expected > {L2_TOLERANCE_EVENTS}",
          "More distinct events landed here than the order stream counted (duplication)."),
    Check(L3, "missing_in_finance", "in_platform and not in_finance",
          "An SO invoice of a closed period that finance did not post."),
    Check(L3, "missing_in_platform", "in_finance and not in_platform",
          "Finance posted revenue for an account this platform did not invoice."),
    Check(L3, "amount_mismatch",
          f"in_platform and in_finance and (currency_differs or abs(difference) > {_minor(L3_TOLERANCE_MINOR_UNITS)})",
          "Finance's posted revenue differs from the SO invoice total (or is in another currency)."),
    *(
        Check(DQ, issue, f"issue_type = '{issue}'", text)
        for issue, text in (
            ("quarantined_row", "An input row broke its file's contract and was quarantined."),
            ("rejected_file", "An input file was rejected whole."),
            ("unpriced_usage", "Usage no price covers: held, not charged, until a price arrives."),
            ("held_event", "An event for an account not (yet) in the accounts master."),
            ("lifecycle_anomaly", "An event the lifecycle does not allow; not applied."),
            ("conflicting_duplicate", "An event_id redelivered with other content; the first stands."),
            ("currency_change", "An accounts snapshot tried to change an account's currency."),
            (MISSING_FILE, "A freshness break: an input file due by now has not arrived. The checks that "
             "read it wait for it (its day is not compared); its arrival resolves the break."),
            ("missing_fx_rate", "A period and currency with revenue but no rate to USD."),
        )
    ),
)


# Break types renamed since breaks were recorded: (level, old type) -> new type. The register resolves the
# open breaks of the old type in the first run that evaluates the new one, which opens its own for what is
# still there (recon.register.merge); the old rows stay, resolved, with their history.
RENAMED_BREAK_TYPES = {(DQ, "missing_input"): MISSING_FILE}


def checks_for(levels: tuple[str, ...] | list[str]) -> list[Check]:
    unknown = set(levels) - set(LEVELS)
    if unknown:
        raise ValueError(f"unknown reconciliation level(s): {', '.join(sorted(unknown))}")
    return [check for check in CHECKS if check.level in levels]
