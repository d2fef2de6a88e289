"""Stand-ins for the dbt builtins sqlfluff's jinja templater lacks (pyproject.toml: library_path).

sqlfluff puts every public name of this module into the jinja context of each model it lints, so
keep it to the names below. Lint only renders the SQL: nothing here reads the environment or the
warehouse. Like sqlfluff's `is_incremental()`, which is always true, `adapter.get_relation` finds
every relation, so the branches an incremental build runs are the ones linted.
"""


class _Relation:
    """A relation as a model renders it: its identifier."""

    def __init__(self, identifier: str) -> None:
        self.identifier = identifier

    def __str__(self) -> str:
        return self.identifier


class _Adapter:
    """dbt's `adapter`, as far as the models use it."""

    def get_relation(self, database: str | None = None, schema: str | None = None,
                     identifier: str = "relation") -> _Relation:
        return _Relation(identifier)


def env_var(name: str, default: str | None = None) -> str:
    """dbt's env_var(): the default the model gives (a placeholder when it gives none)."""
    return default if default is not None else f"env_var_{name.lower()}"


adapter = _Adapter()
