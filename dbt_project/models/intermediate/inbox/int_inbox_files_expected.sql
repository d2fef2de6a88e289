-- Every input that should have arrived by the run's clock, and whether it has (docs/landing.md): the
-- files of int_inbox_files_scheduled that are due at var as_of. Rows with has_arrived = false are the
-- missing_file breaks of reconciliation.
with scheduled as (
    select * from {{ ref('int_inbox_files_scheduled') }}
),

final as (
    select
        file_kind,
        file_name,
        business_date,
        covers_from,
        covers_until,
        delivered_at,
        due_at,
        has_arrived,
        is_loaded,
        file_id,
        file_version,
        status,
        processed_at
    from scheduled
    where is_due
)

select * from final
