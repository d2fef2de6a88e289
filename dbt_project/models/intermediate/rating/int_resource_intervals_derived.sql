{{ config(
    materialized='table',
    indexes=[{'columns': ['resource_id']}],
    pre_hook="{{ speed_settings() }}",
    post_hook="{{ analyze_this() }}",
) }}

-- Every span of constant state and component set per resource: from each applied event to the
-- next applied event (null = still open). Spans of zero length (two events at the same instant)
-- are dropped. The span after DECOMMISSION is kept (state DECOMMISSIONED, open): it is never rated.

with sequenced as (
    select * from {{ ref('int_order_events_sequenced') }}
),

applied as (
    select
        *,
        lead(event_at) over (partition by resource_id order by event_at, event_seq, file_id, line_number) as next_event_at,
        first_value(resource_type) over (partition by resource_id order by event_at, event_seq, file_id, line_number)
            as created_resource_type,
        first_value(region) over (partition by resource_id order by event_at, event_seq, file_id, line_number)
            as created_region
    from sequenced
    where is_applied
),

spans as (
    select
        resource_id,
        owner_account_id as account_id,
        created_resource_type as resource_type,
        created_region as region,
        state_after as state,
        components_after as components,
        jsonb_array_length(components_after) as component_count,
        event_id as opened_by_event_id,
        event_type as opened_by_event_type,
        event_at as valid_from,
        next_event_at as valid_to
    from applied
    where next_event_at is null or next_event_at > event_at
),

final as (
    select
        resource_id || '/' || row_number() over (partition by resource_id order by valid_from) as resource_interval_id,
        row_number() over (partition by resource_id order by valid_from) as interval_number,
        *
    from spans
)

select * from final
