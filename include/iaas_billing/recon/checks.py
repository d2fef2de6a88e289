"""The reconciliation's names: levels, break types, their GX suites, checkpoints and break models.

What counts as a break, and the tolerances, are dbt's: one model per level in
dbt_project/models/marts/interface (`recon_l1_breaks`, `recon_l2_breaks`, `recon_l3_breaks`,
`recon_dq_breaks`, schema `marts`) returns only the rows that are breaks, each with its `recon_level`
and `break_type`, in the break shape (BREAK_COLUMNS: dbt_project/macros/recon_break_shape.sql).

One `Check` is one break type. Its `query` is the SQL of one Great Expectations
`UnexpectedRowsExpectation` (see `recon.gx`): the break model's rows of that type, so the check passes
when there are none and GX counts them. The same text, `{batch}` replaced by the model's relation, is
what the break writer (`recon.register`) copies into the register, so GX (pass/fail and the count) and
the register (every row) can never disagree about what a break is. No break condition is written here.
"""

from __future__ import annotations

from dataclasses import dataclass

L1 = "L1_PRIMARY_VS_SECONDARY"
L2 = "L2_ORDERSTREAM_VS_BILLING"
L3 = "L3_FINANCE_VS_ORDERSTREAM"
DQ = "DATA_QUALITY"
LEVELS = (L1, L2, L3, DQ)
DAILY_LEVELS = (L1, L2, DQ)  # the 02:00 revenue-assurance run
PERIOD_LEVELS = (L3,)  # after each bill run
MISSING_FILE = "missing_file"  # the freshness break: a due input file that has not arrived (data quality)

# the break shape, as every break model returns it and the register stores it (besides level and type)
BREAK_COLUMNS = ("break_key", "business_date", "account_id", "sku", "event_type", "currency",
                 "expected", "actual", "difference", "file_name", "line_number", "event_id", "resource_id",
                 "detail")


@dataclass(frozen=True)
class Level:
    name: str
    suite_name: str
    model: str  # dbt break model in schema marts (models/marts/interface): GX validates it, the register copies it
    checkpoint: str


LEVEL_DEFS = {
    L1: Level(L1, "recon_l1_primary_vs_secondary", "recon_l1_breaks", "revenue_assurance_daily"),
    L2: Level(L2, "recon_l2_orderstream_vs_billing", "recon_l2_breaks", "revenue_assurance_daily"),
    L3: Level(L3, "recon_l3_finance_vs_orderstream", "recon_l3_breaks", "period_reconciliation"),
    DQ: Level(DQ, "recon_data_quality", "recon_dq_breaks", "revenue_assurance_daily"),
}
MODEL_SCHEMA = "marts"


@dataclass(frozen=True)
class Check:
    level: str
    break_type: str
    description: str

    @property
    def model(self) -> str:
        return LEVEL_DEFS[self.level].model

    @property
    def relation(self) -> str:
        return f"{MODEL_SCHEMA}.{self.model}"

    @property
    def query(self) -> str:
        """The UnexpectedRowsExpectation query ({batch} is the break model's table): its rows of this type."""
        return f"select {', '.join(BREAK_COLUMNS)} from {{batch}} where break_type = '{self.break_type}'"

    def sql(self) -> str:
        """The same query, runnable as is."""
        return self.query.format(batch=self.relation)


CHECKS: tuple[Check, ...] = (
    Check(L1, "missing_in_platform", "Primary billing charged a daily line this platform did not rate."),
    Check(L1, "missing_in_primary", "This platform rated a daily line primary billing did not charge."),
    Check(L1, "amount_mismatch", "Both sides have the line and differ by more than one minor unit "
          "(or are in different currencies)."),
    Check(L2, "count_shortfall", "The order stream counted more events than landed here (lost events)."),
    Check(L2, "count_excess", "More distinct events landed here than the order stream counted (duplication)."),
    Check(L3, "missing_in_finance", "An SO invoice of a closed period that finance did not post."),
    Check(L3, "missing_in_platform", "Finance posted revenue for an account this platform did not invoice."),
    Check(L3, "amount_mismatch", "Finance's posted revenue differs from the SO invoice total "
          "(or is in another currency)."),
    Check(DQ, "quarantined_row", "An input row broke its file's contract and was quarantined."),
    Check(DQ, "rejected_file", "An input file was rejected whole."),
    Check(DQ, "unpriced_usage", "Usage no price covers: held, not charged, until a price arrives."),
    Check(DQ, "held_event", "An event for an account not (yet) in the accounts master."),
    Check(DQ, "lifecycle_anomaly", "An event the lifecycle does not allow; not applied."),
    Check(DQ, "conflicting_duplicate", "An event_id redelivered with other content; the first stands."),
    Check(DQ, "currency_change", "An accounts snapshot tried to change an account's currency."),
    Check(DQ, MISSING_FILE, "A freshness break: an input file due by now has not arrived. The checks that "
          "read it wait for it (its day is not compared); its arrival resolves the break."),
    Check(DQ, "missing_fx_rate", "A period and currency with revenue but no rate to USD."),
    Check(DQ, "unnormalised_unit", "A catalogue unit FOCUS's Unit Format cannot read; the FOCUS export "
          "carries it as given."),
    Check(DQ, "missing_tax_rate", "A period with SO lines of a country that has no tax rate in force: the bill "
          "run does not close it (rules 9); it closes at the first run after the rate arrives."),
    Check(DQ, "missing_issuer", "A period with SO lines of a country that has no issuing sales entity: the bill "
          "run does not close it (rules 9)."),
    Check(DQ, "retroactive_tax_rate", "A tax snapshot changes the rate of a period already invoiced: issued "
          "invoices keep their tax; only later adjustment lines take the new rate."),
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
