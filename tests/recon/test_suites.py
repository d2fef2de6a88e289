"""The GX suites are built from the check names: one UnexpectedRowsExpectation per break type, over its break model."""

from __future__ import annotations

from iaas_billing.recon import checks, gx

VOCABULARY = {  # docs/decisions.md, break vocabulary
    checks.L1: {"missing_in_platform", "missing_in_primary", "amount_mismatch"},
    checks.L2: {"count_shortfall", "count_excess"},
    checks.L3: {"missing_in_finance", "missing_in_platform", "amount_mismatch"},
    checks.DQ: {"quarantined_row", "rejected_file", "unpriced_usage", "held_event", "lifecycle_anomaly",
                "conflicting_duplicate", "currency_change", "missing_file", "missing_fx_rate",
                "unnormalised_unit", "missing_tax_rate", "missing_issuer", "retroactive_tax_rate"},
}


def test_one_suite_per_level_with_the_break_vocabulary():
    for level, types in VOCABULARY.items():
        suite = gx.suite_for(level)
        assert suite.name == checks.LEVEL_DEFS[level].suite_name
        found = {e.meta["break_type"] for e in suite.expectations}
        assert found == types
        for expectation in suite.expectations:
            assert type(expectation).__name__ == "UnexpectedRowsExpectation"
            assert expectation.meta["recon_level"] == level
            assert "{batch}" in expectation.unexpected_rows_query


def test_each_expectation_reads_its_break_model_rows_of_its_type():
    """What a break is lives in the dbt break models: an expectation only selects its type's rows."""
    for level in checks.LEVELS:
        model = checks.LEVEL_DEFS[level].model
        assert model.startswith("recon_") and model.endswith("_breaks")
        for expectation in gx.suite_for(level).expectations:
            assert expectation.unexpected_rows_query.endswith(
                f"from {{batch}} where break_type = '{expectation.meta['break_type']}'")


def test_writer_runs_the_expectation_query_itself():
    for check in checks.CHECKS:
        assert check.sql() == check.query.replace("{batch}", check.relation)
        assert check.relation == f"marts.{checks.LEVEL_DEFS[check.level].model}"
        assert check.sql().startswith("select break_key, business_date")
