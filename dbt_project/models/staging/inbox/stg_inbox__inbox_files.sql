with source as (
    select * from {{ source('inbox', 'inbox_files') }}
),

final as (
    select
        file_id,
        file_name,
        file_kind,
        sha256,
        size_bytes,
        version as file_version,
        delivered_at,
        rows_read,
        rows_loaded,
        rows_quarantined,
        status,
        detail,
        processed_at,
        landed_at
    from source
)

select * from final
