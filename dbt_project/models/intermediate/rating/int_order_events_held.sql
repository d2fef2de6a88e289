-- Events whose account is not (yet) in the accounts master (rules §3.5): held, reported, and
-- processed automatically once the account appears (they then leave this model and enter
-- int_order_events_sequenced at the next build).

with order_events as (
    select * from {{ ref('stg_inbox__order_events') }}
),

accounts as (
    select * from {{ ref('int_accounts_resolved') }}
),

final as (
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
        'unknown_account' as held_reason
    from order_events
    left join accounts on order_events.account_id = accounts.account_id
    where accounts.account_id is null
)

select * from final
