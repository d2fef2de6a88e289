-- Every landed order event (the first landing of each event_id) with where it came from and what the
-- rating made of it (docs/explain.md): the inbox file name, version and line it landed from, when that
-- file was processed (the run's clock), and whether the state machine applied it (state after it) or
-- reported it (anomaly), or holds it for an unknown account; plus how many later deliveries of the same
-- id there were (redeliveries and conflicting copies). A view for explain, read filtered on resource_id
-- or event_id.

with order_events as (
    select * from {{ ref('stg_inbox__order_events') }}
),

inbox_files as (
    select * from {{ ref('stg_inbox__inbox_files') }}
),

sequenced as (
    select * from {{ ref('int_order_events_sequenced') }}
),

repeats as (
    select * from {{ ref('stg_inbox__order_event_repeats') }}
),

repeat_counts as (
    select
        event_id,
        count(*) as redelivery_count,
        count(*) filter (where is_conflict) as conflicting_copy_count
    from repeats
    group by event_id
),

final as (
    select
        order_events.event_id,
        order_events.resource_id,
        order_events.account_id,
        order_events.event_type,
        order_events.event_at,
        order_events.event_date,
        order_events.event_seq,
        order_events.file_id,
        inbox_files.file_name,
        inbox_files.file_version,
        order_events.line_number,
        inbox_files.processed_at,
        sequenced.event_id is null as is_held,
        coalesce(sequenced.is_applied, false) as is_applied,
        sequenced.state_before,
        sequenced.state_after,
        sequenced.anomaly_type,
        sequenced.anomaly_detail,
        sequenced.resource_event_number,
        coalesce(repeat_counts.redelivery_count, 0) as redelivery_count,
        coalesce(repeat_counts.conflicting_copy_count, 0) as conflicting_copy_count
    from order_events
    inner join inbox_files on order_events.file_id = inbox_files.file_id
    left join sequenced on order_events.event_id = sequenced.event_id
    left join repeat_counts on order_events.event_id = repeat_counts.event_id
)

select * from final
