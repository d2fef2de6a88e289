"""The warehouse base: connection, settings, the clock, the dbt runner, the DDL, locks and errors."""
