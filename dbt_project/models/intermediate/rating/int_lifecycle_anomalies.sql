-- Events the lifecycle did not apply (rules §3: a transition the table does not allow, an
-- event before CREATE, anything after DECOMMISSION, a second CREATE, an event of another account),
-- and conflicting redeliveries of an event_id (the first landing stands). Published as
-- fct_lifecycle_anomalies; the data-quality reconciliation reads it (int_recon_dq_issues).

with sequenced as (
    select * from {{ ref('int_order_events_sequenced') }}
),

order_events as (
    select * from {{ ref('stg_inbox__order_events') }}
),

repeats as (
    select * from {{ ref('stg_inbox__order_event_repeats') }}
),

inbox_files as (
    select * from {{ ref('stg_inbox__inbox_files') }}
),

not_applied as (
    select
        event_id,
        resource_id,
        account_id,
        event_type,
        event_at,
        anomaly_type,
        anomaly_detail as detail,
        file_id,
        line_number
    from sequenced
    where not is_applied
),

conflicts as (
    select
        order_events.event_id,
        order_events.resource_id,
        order_events.account_id,
        order_events.event_type,
        order_events.event_at,
        'conflicting_duplicate' as anomaly_type,
        'event_id delivered again with different content in ' || coalesce(inbox_files.file_name, 'file ' || repeats.file_id)
        || ' line ' || repeats.line_number || '; the first landing stands' as detail,
        repeats.file_id,
        repeats.line_number
    from repeats
    inner join order_events on repeats.event_id = order_events.event_id
    left join inbox_files on repeats.file_id = inbox_files.file_id
    where repeats.is_conflict
),

anomalies as (
    select * from not_applied
    union all
    select * from conflicts
),

-- keyed on the file's name and version, not its file_id: a killed landing burns sequence values, so
-- file_id differs between a rerun and an uninterrupted run while the name, version and line do not
-- (the version: a redelivered extract has the name and lines of the first delivery)
located as (
    select
        anomalies.*,
        inbox_files.file_name,
        inbox_files.file_version
    from anomalies
    left join inbox_files on anomalies.file_id = inbox_files.file_id
),

final as (
    select
        md5(concat_ws(
            '|', event_id, anomaly_type, coalesce(file_name || ' v' || file_version, file_id::text), line_number
        ))::text as anomaly_id,
        event_id::text as event_id,
        resource_id::text as resource_id,
        account_id::text as account_id,
        event_type::text as event_type,
        event_at::timestamptz as event_at,
        (event_at at time zone 'UTC')::date as event_date,
        anomaly_type::text as anomaly_type,
        detail::text as detail,
        file_id::bigint as file_id,
        file_name::text as file_name,
        line_number::integer as line_number
    from located
)

select * from final
