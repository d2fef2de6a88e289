-- One row per resource with at least one applied event: its account, current state, lifecycle
-- times and uptime up to the clock var('as_of').

with intervals as (
    select * from {{ ref('int_resource_intervals_derived') }}
),

sequenced as (
    select * from {{ ref('int_order_events_sequenced') }}
),

clock as (
    select '{{ var("as_of") }}'::timestamptz as as_of_at
),

lifecycle_times as (
    select
        resource_id,
        min(event_at) filter (where event_type = 'CREATE') as created_at,
        min(event_at) filter (where event_type = 'SUSPEND') as first_suspended_at,
        max(event_at) filter (where event_type = 'SUSPEND') as last_suspended_at,
        max(event_at) filter (where event_type = 'RESUME') as last_resumed_at,
        max(event_at) filter (where event_type = 'SHUTDOWN') as last_shut_down_at,
        max(event_at) filter (where event_type = 'START') as last_started_at,
        max(event_at) filter (where event_type = 'MODIFY') as last_modified_at,
        min(event_at) filter (where event_type = 'DECOMMISSION') as decommissioned_at,
        count(*) filter (where event_type = 'SUSPEND') as suspend_count,
        count(*) filter (where event_type = 'SHUTDOWN') as shutdown_count,
        count(*) filter (where event_type = 'MODIFY') as modify_count
    from sequenced
    where is_applied
    group by resource_id
),

durations as (
    select
        intervals.resource_id,
        intervals.account_id,
        intervals.resource_type,
        intervals.region,
        sum(greatest(
            {{ seconds_between('intervals.valid_from', 'least(coalesce(intervals.valid_to, clock.as_of_at), clock.as_of_at)') }},
            0
        )) filter (where intervals.state = 'RUNNING') as uptime_seconds,
        sum(greatest(
            {{ seconds_between('intervals.valid_from', 'least(coalesce(intervals.valid_to, clock.as_of_at), clock.as_of_at)') }},
            0
        )) filter (where intervals.state = 'SUSPENDED') as suspended_seconds,
        sum(greatest(
            {{ seconds_between('intervals.valid_from', 'least(coalesce(intervals.valid_to, clock.as_of_at), clock.as_of_at)') }},
            0
        )) filter (where intervals.state = 'STOPPED') as stopped_seconds,
        (array_agg(intervals.state order by intervals.valid_from desc))[1] as current_state,
        (array_agg(intervals.components order by intervals.valid_from desc))[1] as current_components
    from intervals
    cross join clock
    group by intervals.resource_id, intervals.account_id, intervals.resource_type, intervals.region
),

final as (
    select
        durations.resource_id::text as resource_id,
        durations.account_id::text as account_id,
        durations.resource_type::text as resource_type,
        durations.region::text as region,
        durations.current_state::text as current_state,
        durations.current_components::jsonb as current_components,
        lifecycle_times.created_at::timestamptz as created_at,
        lifecycle_times.first_suspended_at::timestamptz as first_suspended_at,
        lifecycle_times.last_suspended_at::timestamptz as last_suspended_at,
        lifecycle_times.last_resumed_at::timestamptz as last_resumed_at,
        lifecycle_times.last_shut_down_at::timestamptz as last_shut_down_at,
        lifecycle_times.last_started_at::timestamptz as last_started_at,
        lifecycle_times.last_modified_at::timestamptz as last_modified_at,
        lifecycle_times.decommissioned_at::timestamptz as decommissioned_at,
        (lifecycle_times.decommissioned_at is not null)::boolean as is_decommissioned,
        lifecycle_times.suspend_count::integer as suspend_count,
        lifecycle_times.shutdown_count::integer as shutdown_count,
        lifecycle_times.modify_count::integer as modify_count,
        coalesce(durations.uptime_seconds, 0)::numeric as uptime_seconds,
        coalesce(durations.suspended_seconds, 0)::numeric as suspended_seconds,
        coalesce(durations.stopped_seconds, 0)::numeric as stopped_seconds,
        (
            coalesce(durations.uptime_seconds, 0) + coalesce(durations.suspended_seconds, 0)
            + coalesce(durations.stopped_seconds, 0)
        )::numeric as lifetime_seconds
    from durations
    left join lifecycle_times on durations.resource_id = lifecycle_times.resource_id
)

select * from final
