-- Events the lifecycle did not apply (rules §3: a transition the table does not allow, an
-- event before CREATE, anything after DECOMMISSION, a second CREATE, an event of another account),
-- and conflicting redeliveries of an event_id (the first landing stands): int_lifecycle_anomalies.

with anomalies as (
    select * from {{ ref('int_lifecycle_anomalies') }}
),

final as (
    select
        anomaly_id::text as anomaly_id,
        event_id::text as event_id,
        resource_id::text as resource_id,
        account_id::text as account_id,
        event_type::text as event_type,
        event_at::timestamptz as event_at,
        event_date::date as event_date,
        anomaly_type::text as anomaly_type,
        detail::text as detail,
        file_id::bigint as file_id,
        file_name::text as file_name,
        line_number::integer as line_number
    from anomalies
)

select * from final
