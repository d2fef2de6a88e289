-- A contracted view of int_order_events_located for Python (models/marts/interface/_exposures.yml).

with order_events_located as (
    select * from {{ ref('int_order_events_located') }}
),

final as (
    select
        event_id::text as event_id,
        resource_id::text as resource_id,
        account_id::text as account_id,
        event_type::text as event_type,
        event_at::timestamp with time zone as event_at,
        event_date::date as event_date,
        event_seq::bigint as event_seq,
        file_id::bigint as file_id,
        file_name::text as file_name,
        file_version::integer as file_version,
        line_number::integer as line_number,
        processed_at::timestamp with time zone as processed_at,
        is_held::boolean as is_held,
        is_applied::boolean as is_applied,
        state_before::text as state_before,
        state_after::text as state_after,
        anomaly_type::text as anomaly_type,
        anomaly_detail::text as anomaly_detail,
        resource_event_number::bigint as resource_event_number,
        redelivery_count::bigint as redelivery_count,
        conflicting_copy_count::bigint as conflicting_copy_count
    from order_events_located
)

select * from final
