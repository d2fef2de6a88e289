-- Every span of constant state and component set per resource (rules §3).

with intervals as (
    select * from {{ ref('int_resource_intervals_derived') }}
),

final as (
    select
        resource_interval_id::text as resource_interval_id,
        resource_id::text as resource_id,
        account_id::text as account_id,
        interval_number::integer as interval_number,
        state::text as state,
        valid_from::timestamptz as valid_from,
        valid_to::timestamptz as valid_to,
        components::jsonb as components,
        component_count::integer as component_count,
        resource_type::text as resource_type,
        region::text as region,
        opened_by_event_id::text as opened_by_event_id,
        opened_by_event_type::text as opened_by_event_type,
        (valid_to is null)::boolean as is_open
    from intervals
)

select * from final
