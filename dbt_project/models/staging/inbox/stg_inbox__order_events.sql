with source as (
    select * from {{ source('inbox', 'order_events') }}
),

final as (
    select
        file_id,
        line_number,
        event_id,
        event_time as event_at,
        (event_time at time zone 'UTC')::date as event_date,
        seq as event_seq,
        account_id,
        resource_id,
        resource_type,
        region,
        event_type,
        components,
        content_hash
    from source
)

select * from final
