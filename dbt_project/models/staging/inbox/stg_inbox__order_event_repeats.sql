with source as (
    select * from {{ source('inbox', 'order_event_repeats') }}
),

final as (
    select
        file_id,
        line_number,
        event_id,
        content_hash,
        is_conflict
    from source
)

select * from final
