with source as (
    select * from {{ source('inbox', 'quarantined_rows') }}
),

final as (
    select
        file_id,
        file_name,
        line_number,
        reason_code,
        reason,
        raw_record
    from source
)

select * from final
