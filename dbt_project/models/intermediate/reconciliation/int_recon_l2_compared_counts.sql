{{ config(materialized='table') }}

-- L2, order stream vs billing: one row per (event_date, account_id, event_type) of every day
-- whose control totals are in force, whose hourly extracts have all arrived and that is over at the
-- run's clock (int_recon_day_inputs; a day with one missing is not compared). expected is the
-- control total, actual the count of distinct event_ids landed for that key (by the UTC date of
-- event_time, applied or not; quarantined rows never land); a key on one side only is 0 on the
-- other. Which rows are breaks (and the tolerance) is marts/interface/recon_l2_breaks.
with control_files as (
    select * from {{ ref('int_recon_inbox_files') }}
    where file_kind = 'control' and is_in_force and is_loaded
),

day_inputs as (
    select * from {{ ref('int_recon_day_inputs') }}
),

control_rows as (
    select * from {{ ref('stg_inbox__orderstream_control') }}
),

order_events as (
    select * from {{ ref('stg_inbox__order_events') }}
),

complete_days as (
    select
        business_date,
        control_file_name
    from day_inputs
    where is_l2_compared
),

control_totals as (
    select
        control_rows.event_date,
        control_rows.account_id,
        control_rows.event_type,
        sum(control_rows.event_count) as control_count,
        min(control_rows.line_number) as line_number
    from control_rows
    inner join control_files on control_rows.file_id = control_files.file_id
    inner join complete_days on control_rows.event_date = complete_days.business_date
    group by control_rows.event_date, control_rows.account_id, control_rows.event_type
),

landed_counts as (
    select
        order_events.event_date,
        order_events.account_id,
        order_events.event_type,
        count(distinct order_events.event_id) as landed_count
    from order_events
    inner join complete_days on order_events.event_date = complete_days.business_date
    group by order_events.event_date, order_events.account_id, order_events.event_type
),

compared as (
    select
        coalesce(control_totals.event_date, landed_counts.event_date) as business_date,
        coalesce(control_totals.account_id, landed_counts.account_id) as account_id,
        coalesce(control_totals.event_type, landed_counts.event_type) as event_type,
        coalesce(control_totals.control_count, 0) as expected,
        coalesce(landed_counts.landed_count, 0) as actual,
        control_totals.line_number,
        control_totals.event_date is not null as in_control,
        landed_counts.event_date is not null as in_landed
    from control_totals
    full outer join landed_counts
        on
            control_totals.event_date = landed_counts.event_date
            and control_totals.account_id = landed_counts.account_id
            and control_totals.event_type = landed_counts.event_type
),

final as (
    select
        {{ recon_break_shape({
            'break_key': "compared.business_date || '|' || compared.account_id || '|' || compared.event_type",
            'business_date': 'compared.business_date',
            'account_id': 'compared.account_id',
            'event_type': 'compared.event_type',
            'expected': 'compared.expected',
            'actual': 'compared.actual',
            'difference': 'compared.actual - compared.expected',
            'file_name': 'complete_days.control_file_name',
            'line_number': 'compared.line_number',
            'detail': "'event_type ' || compared.event_type || ': control total ' || compared.expected
                || ' (' || complete_days.control_file_name || '), distinct events landed ' || compared.actual",
        }) }},
        compared.in_control,
        compared.in_landed
    from compared
    inner join complete_days on compared.business_date = complete_days.business_date
)

select * from final
