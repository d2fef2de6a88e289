with source as (
    select * from {{ source('inbox', 'orderstream_control') }}
),

final as (
    select
        file_id,
        line_number,
        event_date,
        account_id,
        event_type,
        event_count
    from source
)

select * from final
