{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    indexes=[{'columns': ['run_number']}, {'columns': ['resource_id']}],
    pre_hook=["{{ speed_settings() }}", "{{ prune_acknowledged_rerating_scopes() }}"],
    post_hook="{{ analyze_this() }}",
) }}

-- What this build must re-rate, per resource: the first UTC day whose charges may have changed
-- since the previous build. One row per (build, resource, account of any of its events), appended.
-- int_usage_spans_priced and int_usage_rated_daily delete and recompute exactly these
-- (resource, days from rerate_from_date) and (account, days from rerate_from_date) of this build.
--
-- A resource's charges from day D on change when, since the previous build:
--   new_events  an event of it landed (the state machine is causal: nothing before it changes);
--   new_account its account appeared (its held events are now processed);
--   new_price   a price version of one of its skus in its currency was uploaded (from effective_from);
--   clock       the clock moved and it was billable at some instant between the old and new clock;
--   carried     a previous build's scope was not completed (int_rerating_runs_acknowledged).
-- The first build, and --full-refresh, have no previous build (file watermark 0): every resource is
-- scoped from its first event. Rows of acknowledged builds are pruned (pre-hook), except the latest
-- build's, whose clock and file watermark the next build starts from.

{%- set ack_relation = adapter.get_relation(
        database=this.database, schema=this.schema, identifier='int_rerating_runs_acknowledged') %}

with order_events as (
    select * from {{ ref('stg_inbox__order_events') }}
),

inbox_files as (
    select * from {{ ref('stg_inbox__inbox_files') }}
),

accounts as (
    select * from {{ ref('int_accounts_resolved') }}
),

prices as (
    select * from {{ ref('stg_inbox__catalog_prices') }}
),

component_spans as (
    select * from {{ ref('int_component_spans_expanded') }}
),

intervals as (
    select * from {{ ref('int_resource_intervals_derived') }}
),

-- This model's own rows so far (none on the first build and on --full-refresh).
previous_scopes as (
    {% if is_incremental() -%}
    select * from {{ this }}
    {%- else -%}
    select
        null::text as invocation_id,
        null::integer as run_number,
        null::timestamptz as run_as_of,
        null::bigint as file_watermark,
        null::text as resource_id,
        null::text as account_id,
        null::date as rerate_from_date,
        null::text as scope_reasons
    where false
    {%- endif %}
),

-- Detections the incremental rating models acknowledged as applied (by detecting invocation).
acknowledgements as (
    {% if ack_relation is not none and is_incremental() -%}
    select invocation_id from {{ ack_relation }}
    {%- else -%}
    select null::text as invocation_id
    where false
    {%- endif %}
),

clock as (
    select
        '{{ var("as_of") }}'::timestamptz as run_as_of,
        coalesce((select max(inbox_files.file_id) from inbox_files), 0) as file_watermark
),

resource_accounts as (
    select distinct
        resource_id,
        account_id
    from order_events
),

previous_run as (
    select
        coalesce(max(run_number), 0) as run_number,
        coalesce(max(file_watermark), 0) as file_watermark,
        (array_agg(run_as_of order by run_number desc))[1] as run_as_of
    from previous_scopes
),

acknowledged as (
    select coalesce(max(previous_scopes.run_number), 0) as run_number
    from previous_scopes
    inner join acknowledgements on previous_scopes.invocation_id = acknowledgements.invocation_id
),

new_events as (
    select
        order_events.resource_id,
        min(order_events.event_date) as rerate_from_date,
        'new_events' as scope_reason
    from order_events
    cross join previous_run
    where order_events.file_id > previous_run.file_watermark
    group by order_events.resource_id
),

new_accounts as (
    select
        order_events.resource_id,
        min(order_events.event_date) as rerate_from_date,
        'new_account' as scope_reason
    from order_events
    inner join accounts on order_events.account_id = accounts.account_id
    cross join previous_run
    where accounts.first_file_id > previous_run.file_watermark
    group by order_events.resource_id
),

new_prices as (
    select
        component_spans.resource_id,
        min(prices.effective_from_date) as rerate_from_date,
        'new_price' as scope_reason
    from prices
    cross join previous_run
    inner join component_spans
        on
            prices.sku = component_spans.sku
            and prices.currency = component_spans.currency
            and (component_spans.valid_to is null or prices.effective_from_at < component_spans.valid_to)
    where prices.file_id > previous_run.file_watermark
    group by component_spans.resource_id
),

-- The clock moved (either way): what was billable between the two clocks (none on the first build).
clock_moves as (
    select
        least(previous_run.run_as_of, clock.run_as_of) as low_at,
        greatest(previous_run.run_as_of, clock.run_as_of) as high_at
    from previous_run
    cross join clock
    where previous_run.run_as_of is not null and previous_run.run_as_of <> clock.run_as_of
),

clock_scope as (
    select
        intervals.resource_id,
        min((clock_moves.low_at at time zone 'UTC')::date) as rerate_from_date,
        'clock' as scope_reason
    from intervals
    cross join clock_moves
    where
        intervals.state <> 'DECOMMISSIONED'
        and intervals.valid_from < clock_moves.high_at
        and (intervals.valid_to is null or clock_moves.low_at < intervals.valid_to)
    group by intervals.resource_id
),

carried as (
    select
        previous_scopes.resource_id,
        min(previous_scopes.rerate_from_date) as rerate_from_date,
        'carried' as scope_reason
    from previous_scopes
    cross join acknowledged
    where previous_scopes.run_number > acknowledged.run_number
    group by previous_scopes.resource_id
),

detected as (
    select * from new_events
    union all
    select * from new_accounts
    union all
    select * from new_prices
    union all
    select * from clock_scope
    union all
    select * from carried
),

per_resource as (
    select
        resource_id,
        min(rerate_from_date) as rerate_from_date,
        string_agg(distinct scope_reason, ',' order by scope_reason) as scope_reasons
    from detected
    group by resource_id
),

final as (
    select
        '{{ invocation_id }}' as invocation_id,
        previous_run.run_number + 1 as run_number,
        clock.run_as_of,
        clock.file_watermark,
        per_resource.resource_id,
        resource_accounts.account_id,
        per_resource.rerate_from_date,
        per_resource.scope_reasons
    from per_resource
    inner join resource_accounts on per_resource.resource_id = resource_accounts.resource_id
    cross join previous_run
    cross join clock
)

select * from final
