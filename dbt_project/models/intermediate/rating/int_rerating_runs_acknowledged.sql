{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}

-- depends_on: {{ ref('int_usage_spans_priced') }}
-- depends_on: {{ ref('int_usage_rated_daily') }}

-- One row per detection of re-rating scopes (by the invocation that detected them) that the
-- incremental rating models fully applied: it is built after them, so a build that failed before
-- leaves its scopes unacknowledged and the next detection carries them over
-- (int_rerating_scopes_detected, reason 'carried').

with scopes as (
    select * from {{ ref('int_rerating_scopes_detected') }}
),

final as (
    select
        invocation_id,
        max(run_number) as run_number,
        max(run_as_of) as run_as_of,
        count(*) as scope_count
    from scopes
    where
        run_number = (select max(latest.run_number) from scopes as latest)
        {%- if is_incremental() %}
        and invocation_id not in (select acknowledged.invocation_id from {{ this }} as acknowledged)
        {%- endif %}
    group by invocation_id
)

select * from final
