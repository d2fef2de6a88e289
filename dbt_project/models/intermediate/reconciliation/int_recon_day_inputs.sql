{{ config(materialized='table') }}

-- Which days the daily checks compare: one row per day that has a primary billing file or control
-- totals in force, or hourly extracts in the order stream's range. A level compares a day once the
-- day is over at the run's clock and every input the level reads for that day has arrived:
--   L1 (primary vs this platform's daily lines): the day's primary billing file, and every hourly
--      extract of the day (this platform's lines of the day are rated from them);
--   L2 (control totals vs events landed): the day's control totals, and every hourly extract of the day.
-- A day with an input missing is not compared by that level at all (no line, no break): the
-- missing_file break of the data-quality level names what it waits for, and the first run after the
-- file lands compares the day. Events of the day delivered in a later hour's extract are lateness,
-- as before: they can give transient breaks that resolve when they land.
with inbox_files as (
    select * from {{ ref('int_recon_inbox_files') }}
),

scheduled as (
    select * from {{ ref('int_inbox_files_scheduled') }}
),

daily_files as (
    select
        business_date,
        min(file_name) filter (where file_kind = 'primary_billing') as primary_file_name,
        min(file_name) filter (where file_kind = 'control') as control_file_name
    from inbox_files
    where
        file_kind in ('primary_billing', 'control')
        and is_in_force
        and is_loaded
        and business_date is not null
    group by business_date
),

extracts as (
    select
        business_date,
        count(*) as extracts_scheduled,
        count(*) filter (where has_arrived) as extracts_arrived,
        string_agg(file_name, ', ' order by file_name) filter (where not has_arrived) as extracts_awaited
    from scheduled
    where file_kind = 'orders'
    group by business_date
),

days as (
    select
        coalesce(daily_files.business_date, extracts.business_date) as business_date,
        daily_files.primary_file_name,
        daily_files.control_file_name,
        coalesce(extracts.extracts_scheduled, 0) as extracts_scheduled,
        coalesce(extracts.extracts_arrived, 0) as extracts_arrived,
        extracts.extracts_awaited,
        (coalesce(daily_files.business_date, extracts.business_date) + 1)::timestamp at time zone 'UTC'
        <= '{{ var("as_of") }}'::timestamptz as is_over
    from daily_files
    full outer join extracts on daily_files.business_date = extracts.business_date
),

final as (
    select
        business_date,
        is_over,
        primary_file_name,
        control_file_name,
        extracts_scheduled,
        extracts_arrived,
        extracts_awaited,
        is_over and primary_file_name is not null and extracts_awaited is null as is_l1_compared,
        is_over and control_file_name is not null and extracts_awaited is null as is_l2_compared
    from days
)

select * from final
