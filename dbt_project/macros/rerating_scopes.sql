{#-
    Incremental re-rating (docs/rating.md, "Incremental"): int_rerating_scopes_detected says, per
    build, which resources (and their accounts) must be re-rated from which UTC day. The models
    below delete those rows in a pre-hook (inside the model's transaction) and insert them anew.
-#}

{#-
    The scopes of the latest detection (the latest run_number): under Cosmos every model is its own dbt
    invocation, so "this build" cannot be told by invocation_id. Processing the latest scopes again (when
    a build detected nothing new) recomputes the same rows: harmless.
-#}
{% macro current_rerating_scopes_by_resource() -%}
    select resource_id, min(rerate_from_date) as rerate_from_date
    from {{ ref('int_rerating_scopes_detected') }}
    where run_number = (select max(run_number) from {{ ref('int_rerating_scopes_detected') }})
    group by resource_id
{%- endmacro %}

{#- The scopes of the latest detection, per account. -#}
{% macro current_rerating_scopes_by_account() -%}
    select account_id, min(rerate_from_date) as rerate_from_date
    from {{ ref('int_rerating_scopes_detected') }}
    where run_number = (select max(run_number) from {{ ref('int_rerating_scopes_detected') }})
    group by account_id
{%- endmacro %}

{#-
    The earliest day this build re-rates (a scalar subquery). The deletes below also bound usage_date by it as
    a range, `usage_date between <floor> and 'infinity'`: always true for the rows the scopes delete, it lets
    the planner serve the delete from the usage_date index (a range with a run-time bound is estimated
    narrow) instead of scanning the whole month's rows every hour (docs/benchmarks.md, Hourly cost).
-#}
{% macro rerating_floor() -%}
    (
        select min(floor_scopes.rerate_from_date)
        from {{ ref('int_rerating_scopes_detected') }} as floor_scopes
        where floor_scopes.run_number = (select max(latest.run_number) from {{ ref('int_rerating_scopes_detected') }} as latest)
    )
{%- endmacro %}

{#- Pre-hook of an incremental model keyed by resource_id and usage_date (int_usage_spans_priced). -#}
{% macro delete_rerated_resource_days() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as target
    using ({{ current_rerating_scopes_by_resource() }}) as scopes
    where
        target.resource_id = scopes.resource_id
        and target.usage_date >= scopes.rerate_from_date
        and target.usage_date between {{ rerating_floor() }} and 'infinity'
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of an incremental model keyed by account_id and usage_date (int_usage_rated_daily). -#}
{% macro delete_rerated_account_days() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as target
    using ({{ current_rerating_scopes_by_account() }}) as scopes
    where
        target.account_id = scopes.account_id
        and target.usage_date >= scopes.rerate_from_date
        and target.usage_date between {{ rerating_floor() }} and 'infinity'
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of int_rerating_scopes_detected: forget acknowledged runs, but the latest run. -#}
{% macro prune_acknowledged_rerating_scopes() -%}
    {%- set ack_relation = adapter.get_relation(
            database=this.database, schema=this.schema, identifier='int_rerating_runs_acknowledged') -%}
    {%- if is_incremental() and ack_relation is not none -%}
    delete from {{ this }}
    where
        run_number < (select max(run_number) from {{ this }})
        and run_number <= (
            select coalesce(max(acked.run_number), 0) from {{ this }} as acked
            where acked.invocation_id in (select ack.invocation_id from {{ ack_relation }} as ack)
        )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
