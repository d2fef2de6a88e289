-- Order events held because their account is not (yet) in the accounts master (rules §3.5).
-- They leave this table by themselves at the first build after the account appears.

with held as (
    select * from {{ ref('int_order_events_held') }}
),

final as (
    select
        event_id::text as event_id,
        account_id::text as account_id,
        resource_id::text as resource_id,
        event_type::text as event_type,
        event_at::timestamptz as event_at,
        event_date::date as event_date,
        event_seq::bigint as event_seq,
        file_id::bigint as file_id,
        line_number::integer as line_number,
        held_reason::text as held_reason
    from held
)

select * from final
