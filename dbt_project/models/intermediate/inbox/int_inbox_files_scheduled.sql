{#-
    Every input file the order stream's range implies, due yet or not, and whether it has arrived
    (docs/landing.md). int_inbox_files_expected is the part that is due by the run's clock (the
    missing_file breaks of reconciliation); reconciliation's int_recon_day_inputs reads all of it, so a
    day whose own extracts have not all arrived is not compared yet, late or not.

    The range is what the order stream has shown so far: from the hour of the first orders extract ever
    landed to the hour of the latest one, or to the last hour of the last day whose control totals or
    primary billing file has landed if that is later (a day upstream has closed is a day of the stream,
    all 24 of its hours). Var `inbox_range_end`, a timestamp, overrides that end, e.g. with the run's
    clock to treat a silent stream as missing extracts (the revenue_assurance DAG does). Within it:
      - every hourly orders extract, due `extract_delay_hours` (default 2) after its delivery at HH:00 + 1 h;
      - every day's control totals and primary billing file, due when the day is over, for the days
        from the first extract's day to the last day any landed event happened on;
      - every period's finance file, due when the month is over, for the months of those days.
    Accounts snapshots, catalogue uploads and fx rates are not expected here (fx has its own check).
-#}
{%- set extract_delay_hours = var('extract_delay_hours', env_var('BILLING_EXTRACT_DELAY_HOURS', '2')) -%}
{%- set range_end = var('inbox_range_end', none) -%}

with files as (
    select * from {{ ref('int_inbox_file_versions') }}
),

events as (
    select * from {{ ref('stg_inbox__order_events') }}
),

clock as (
    select
        '{{ var("as_of") }}'::timestamptz as as_of,
        make_interval(secs => {{ extract_delay_hours }} * 3600.0) as extract_delay
),

-- an orders extract orders_YYYYMMDDTHH.jsonl is delivered at HH:00 + 1 h (docs/decisions.md)
extract_hours as (
    select delivered_at - interval '1 hour' as extract_hour
    from files
    where file_kind = 'orders' and delivered_at is not null
),

-- a day's control totals and primary billing file are delivered when the day is over (00:00 of the next day)
daily_file_hours as (
    select max(delivered_at) - interval '1 hour' as last_day_hour
    from files
    where file_kind in ('control', 'primary_billing') and delivered_at is not null
),

stream_range as (
    select
        min(extract_hours.extract_hour) as first_hour,
        {% if range_end is not none -%}
        date_trunc('hour', '{{ range_end }}'::timestamptz at time zone 'UTC') at time zone 'UTC' as last_hour,
        {%- else -%}
        greatest(max(extract_hours.extract_hour), max(daily_file_hours.last_day_hour)) as last_hour,
        {%- endif %}
        (select max(events.event_date) from events) as last_event_date
    from extract_hours
    cross join daily_file_hours
),

business_days as (
    select
        (stream_range.first_hour at time zone 'UTC')::date as first_day,
        least(stream_range.last_event_date, (stream_range.last_hour at time zone 'UTC')::date) as last_day
    from stream_range
),

expected_extracts as (
    select
        'orders' as file_kind,
        'orders_' || to_char(hours.extract_hour at time zone 'UTC', 'YYYYMMDD"T"HH24') || '.jsonl' as file_name,
        (hours.extract_hour at time zone 'UTC')::date as business_date,
        hours.extract_hour as covers_from,
        hours.extract_hour + interval '1 hour' as covers_until,
        hours.extract_hour + interval '1 hour' as delivered_at,
        hours.extract_hour + interval '1 hour' + clock.extract_delay as due_at
    from stream_range
    cross join clock
    cross join lateral generate_series(stream_range.first_hour, stream_range.last_hour, interval '1 hour')
        as hours (extract_hour)
),

days as (
    select series.day_start::date as business_date
    from business_days
    cross join lateral generate_series(
        business_days.first_day::timestamp, business_days.last_day::timestamp, interval '1 day'
    )
        as series (day_start)
),

expected_daily as (
    select
        feeds.file_kind,
        feeds.prefix || to_char(days.business_date, 'YYYYMMDD') || '.csv' as file_name,
        days.business_date,
        days.business_date::timestamp at time zone 'UTC' as covers_from,
        (days.business_date + 1)::timestamp at time zone 'UTC' as covers_until,
        (days.business_date + 1)::timestamp at time zone 'UTC' as delivered_at,
        (days.business_date + 1)::timestamp at time zone 'UTC' as due_at
    from days
    cross join (
        values ('control', 'orderstream_control_'), ('primary_billing', 'primary_billing_')
    ) as feeds (file_kind, prefix)
),

months as (
    select date_trunc('month', days.business_date::timestamp) as month_start
    from days
),

expected_monthly as (
    select distinct
        'finance_gl' as file_kind,
        'finance_gl_' || to_char(months.month_start, 'YYYYMM') || '.csv' as file_name,
        months.month_start::date as business_date,
        months.month_start at time zone 'UTC' as covers_from,
        (months.month_start + interval '1 month') at time zone 'UTC' as covers_until,
        (months.month_start + interval '1 month') at time zone 'UTC' as delivered_at,
        (months.month_start + interval '1 month') at time zone 'UTC' as due_at
    from months
),

expected as (
    select * from expected_extracts
    union all
    select * from expected_daily
    union all
    select * from expected_monthly
),

latest_versions as (
    select * from files
    where is_latest_version
),

final as (
    select
        expected.file_kind,
        expected.file_name,
        expected.business_date,
        expected.covers_from,
        expected.covers_until,
        expected.delivered_at,
        expected.due_at,
        expected.due_at <= clock.as_of as is_due,
        latest_versions.file_id is not null as has_arrived,
        coalesce(latest_versions.status in ('landed', 'landed_with_quarantine'), false) as is_loaded,
        latest_versions.file_id,
        latest_versions.file_version,
        latest_versions.status,
        latest_versions.processed_at
    from expected
    cross join clock
    left join latest_versions on expected.file_name = latest_versions.file_name
)

select * from final
