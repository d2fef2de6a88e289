with source as (
    select * from {{ source('inbox', 'superseded_rows') }}
),

final as (
    select
        source_table,
        file_id,
        line_number,
        raw_record,
        superseded_by_file_id,
        superseded_at
    from source
)

select * from final
