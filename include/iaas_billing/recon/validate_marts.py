"""Great Expectations checkpoint over the published marts' keys, run after every dbt build."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL

from iaas_billing.base import db, quiet

CURRENCIES = ["USD", "CAD", "GBP", "EUR", "CHF", "SEK", "JPY", "SGD", "INR", "AED", "BHD", "AUD"]


@dataclass
class MartValidation:
    success: bool
    evaluated: int
    failed: list[str]

    def __str__(self) -> str:
        state = "passed" if self.success else "FAILED: " + "; ".join(self.failed)
        return f"marts checkpoint: {self.evaluated} expectations, {state}"


def validate(url: URL | None = None) -> MartValidation:
    """Run the `marts_keys` checkpoint (ephemeral GX context) against the warehouse."""
    quiet.silence()
    import great_expectations as gx

    from iaas_billing.recon import gx as recon_gx

    url = url or db.database_url()
    context = gx.get_context(mode="ephemeral")
    # a config template, as recon.gx: GX's URL check refuses a Unix-socket URL (no host), the substituted one works
    with recon_gx._connection_env(url):
        return _run(gx, context)


def _run(gx, context) -> MartValidation:
    from iaas_billing.recon import gx as recon_gx

    source = context.data_sources.add_postgres(name="warehouse",
                                               connection_string="${" + recon_gx.CONNECTION_ENV + "}")
    asset = source.add_table_asset(name="dim_accounts", table_name="dim_accounts", schema_name="marts")
    batch = asset.add_batch_definition_whole_table("whole_table")
    suite = context.suites.add(gx.ExpectationSuite(name="marts_dim_accounts"))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="account_id"))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeUnique(column="account_id"))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeInSet(column="currency", value_set=CURRENCIES))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="minor_units"))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="marts_dim_accounts", data=batch, suite=suite))
    checkpoint = context.checkpoints.add(gx.Checkpoint(name="marts_keys", validation_definitions=[definition]))
    result = checkpoint.run()
    failed = []
    evaluated = 0
    for run_result in result.run_results.values():
        for res in run_result.results:
            evaluated += 1
            if not res.success:
                cfg = res.expectation_config
                failed.append(f"{cfg.type} on {cfg.kwargs.get('column')}")
    return MartValidation(success=bool(result.success), evaluated=evaluated, failed=failed)
