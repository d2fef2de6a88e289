-- One row per version of one inbox file: what the landing read, loaded and quarantined, and its status.
with versions as (
    select * from {{ ref('int_inbox_file_versions') }}
),

final as (
    select
        file_id,
        file_name,
        file_kind,
        file_version,
        sha256,
        size_bytes,
        delivered_at,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_superseded,
        status,
        detail,
        is_latest_version,
        superseded_by_file_id,
        processed_at,
        landed_at
    from versions
)

select * from final
