"""The command line: `iaas-billing` and its subcommands, the demo, `make airflow`."""

from iaas_billing.cli.main import main

__all__ = ["main"]
