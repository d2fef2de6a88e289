{{ config(
    materialized='table',
    indexes=[{'columns': ['resource_id']}],
    pre_hook="{{ speed_settings() }}",
    post_hook="{{ analyze_this() }}",
) }}

-- The lifecycle state machine of rules §3, set-based: every event of a known account, in
-- (event_at, event_seq) order per resource, with the state before and after it, whether it was
-- applied, the component set in force after it, and why it was not applied (a lifecycle anomaly).
-- Events of accounts not (yet) in the accounts master are held (int_order_events_held) and enter
-- here automatically once the account appears.

with order_events as (
    select * from {{ ref('stg_inbox__order_events') }}
),

accounts as (
    select * from {{ ref('int_accounts_resolved') }}
),

known_events as (
    select
        order_events.event_id,
        order_events.file_id,
        order_events.line_number,
        order_events.resource_id,
        order_events.account_id,
        order_events.resource_type,
        order_events.region,
        order_events.event_type,
        order_events.event_at,
        order_events.event_date,
        order_events.event_seq,
        -- a component set as a canonical array, one element per sku (quantities of a repeated sku add up)
        case when order_events.event_type in ('CREATE', 'MODIFY') then (
            select
                coalesce(jsonb_agg(
                    jsonb_build_object('sku', parts.sku, 'quantity', parts.quantity)
                    order by parts.sku
                ), '[]'::jsonb)
            from (
                select
                    elements.element ->> 'sku' as sku,
                    sum((elements.element ->> 'quantity')::numeric) as quantity
                from jsonb_array_elements(coalesce(order_events.components, '[]'::jsonb)) as elements (element)
                group by elements.element ->> 'sku'
            ) as parts
        ) end as component_set
    from order_events
    inner join accounts on order_events.account_id = accounts.account_id
),

-- A resource belongs to the account of its first CREATE (of its first event when it has none);
-- an event of the same resource_id under another account is not applied (account_mismatch).
owned as (
    select
        *,
        first_value(account_id) over (
            partition by resource_id
            order by (event_type = 'CREATE') desc, event_at asc, event_seq asc, file_id asc, line_number asc
        ) as owner_account_id
    from known_events
),

stepped as (
    select
        *,
        account_id = owner_account_id as is_owner_event,
        intermediate.lifecycle_state_agg(event_type) over (
            partition by resource_id, account_id = owner_account_id
            order by event_at, event_seq, file_id, line_number
            rows between unbounded preceding and current row
        ) as machine_state_after
    from owned
),

applied as (
    select
        *,
        lag(machine_state_after, 1, 'NEW') over (
            partition by resource_id, is_owner_event
            order by event_at, event_seq, file_id, line_number
        ) as state_before,
        is_owner_event
        and intermediate.lifecycle_transition(
            lag(machine_state_after, 1, 'NEW') over (
                partition by resource_id, is_owner_event
                order by event_at, event_seq, file_id, line_number
            ),
            event_type
        ) is not null as is_applied
    from stepped
),

component_groups as (
    select
        *,
        count(*) filter (where is_applied and event_type in ('CREATE', 'MODIFY')) over (
            partition by resource_id, is_owner_event
            order by event_at, event_seq, file_id, line_number
            rows between unbounded preceding and current row
        ) as component_set_number
    from applied
),

final as (
    select
        event_id,
        file_id,
        line_number,
        resource_id,
        account_id,
        owner_account_id,
        resource_type,
        region,
        event_type,
        event_at,
        event_date,
        event_seq,
        component_set,
        is_owner_event,
        row_number() over (
            partition by resource_id order by event_at, event_seq, file_id, line_number
        ) as resource_event_number,
        case when is_owner_event then state_before end as state_before,
        case when is_owner_event then machine_state_after end as state_after,
        is_applied,
        component_set_number,
        case when is_applied then first_value(component_set) over (
            partition by resource_id, is_owner_event, component_set_number
            order by event_at, event_seq, file_id, line_number
        ) end as components_after,
        case
            when is_applied then null
            when not is_owner_event then 'account_mismatch'
            when state_before = 'NEW' then 'event_before_create'
            when state_before = 'DECOMMISSIONED' then 'event_after_decommission'
            when event_type = 'CREATE' then 'duplicate_create'
            else 'invalid_transition'
        end as anomaly_type,
        case
            when is_applied then null
            when not is_owner_event
                then 'resource belongs to account ' || owner_account_id || ', event is of account ' || account_id
            when state_before = 'NEW' then event_type || ' before the resource''s CREATE'
            when state_before = 'DECOMMISSIONED' then event_type || ' after DECOMMISSION'
            when event_type = 'CREATE' then 'second CREATE of a resource in state ' || state_before
            else event_type || ' not allowed from ' || state_before
        end as anomaly_detail
    from component_groups
)

select * from final
