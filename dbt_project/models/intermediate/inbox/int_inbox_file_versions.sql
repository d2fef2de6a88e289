-- Every version of every inbox file (the manifest), with whether it is the name's latest version, the
-- version that replaced it, and how many of its rows a newer version of a snapshot feed moved out of raw.
with files as (
    select * from {{ ref('stg_inbox__inbox_files') }}
),

-- Rows of older snapshot versions (control, primary billing, finance, fx) moved aside by the landing.
superseded as (
    select
        file_id,
        count(*) as rows_superseded
    from {{ ref('stg_inbox__superseded_rows') }}
    group by file_id
),

versioned as (
    select
        files.*,
        lead(files.file_id) over (partition by files.file_name order by files.file_version) as superseded_by_file_id
    from files
),

final as (
    select
        versioned.file_id,
        versioned.file_name,
        versioned.file_kind,
        versioned.file_version,
        versioned.sha256,
        versioned.size_bytes,
        versioned.delivered_at,
        versioned.rows_read,
        versioned.rows_loaded,
        versioned.rows_quarantined,
        coalesce(superseded.rows_superseded, 0) as rows_superseded,
        versioned.status,
        versioned.detail,
        versioned.superseded_by_file_id is null as is_latest_version,
        versioned.superseded_by_file_id,
        versioned.processed_at,
        versioned.landed_at
    from versioned
    left join superseded on versioned.file_id = superseded.file_id
)

select * from final
