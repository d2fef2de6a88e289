-- One row per rejected input record: the file, its line, why (code and sentence) and the record as it came.
with quarantined as (
    select * from {{ ref('stg_inbox__quarantined_rows') }}
),

versions as (
    select * from {{ ref('int_inbox_file_versions') }}
),

final as (
    select
        quarantined.file_id,
        quarantined.line_number,
        quarantined.file_name,
        versions.file_kind,
        versions.file_version,
        versions.is_latest_version,
        versions.status as file_status,
        quarantined.reason_code,
        quarantined.reason,
        quarantined.raw_record,
        versions.processed_at
    from quarantined
    inner join versions on quarantined.file_id = versions.file_id
)

select * from final
