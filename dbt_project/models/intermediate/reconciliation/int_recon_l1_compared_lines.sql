{{ config(
    materialized='table',
    pre_hook=["{{ speed_settings() }}", "set local enable_nestloop = off"],
) }}

-- L1, primary vs secondary billing: one row per (usage_date, account_id, sku) of every complete
-- day (int_recon_day_inputs: the day is over at the run's clock, its primary billing file and every
-- hourly extract of the day have arrived; a day with one missing is not compared), lining
-- up the primary billing system's daily line with this platform's own SO daily line
-- (int_usage_rated_daily_lines, the lines of fct_rated_usage_daily). expected is this platform's amount, actual
-- primary's, 0 on a side without the line. Which rows are breaks (and the one-minor-unit tolerance)
-- is marts/interface/recon_l1_breaks.
with inbox_files as (
    select * from {{ ref('int_recon_inbox_files') }}
),

day_inputs as (
    select * from {{ ref('int_recon_day_inputs') }}
),

primary_rows as (
    select * from {{ ref('stg_inbox__primary_billing') }}
),

rated_daily as (
    select * from {{ ref('int_usage_rated_daily_lines') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

primary_files as (
    select * from inbox_files
    where file_kind = 'primary_billing' and is_in_force and is_loaded
),

complete_days as (
    select
        business_date,
        primary_file_name
    from day_inputs
    where is_l1_compared
),

primary_lines as (
    select
        primary_rows.usage_date,
        primary_rows.account_id,
        primary_rows.sku,
        min(primary_rows.currency) as currency,
        count(distinct primary_rows.currency) as currency_count,
        sum(primary_rows.amount) as amount,
        min(primary_rows.line_number) as line_number
    from primary_rows
    inner join primary_files on primary_rows.file_id = primary_files.file_id
    inner join complete_days on primary_rows.usage_date = complete_days.business_date
    group by primary_rows.usage_date, primary_rows.account_id, primary_rows.sku
),

platform_lines as (
    select
        rated_daily.usage_date,
        rated_daily.account_id,
        rated_daily.sku,
        min(rated_daily.currency) as currency,
        sum(rated_daily.amount) as amount
    from rated_daily
    inner join complete_days on rated_daily.usage_date = complete_days.business_date
    where rated_daily.tenant = 'SO'
    group by rated_daily.usage_date, rated_daily.account_id, rated_daily.sku
),

compared as (
    select
        coalesce(platform_lines.usage_date, primary_lines.usage_date) as business_date,
        coalesce(platform_lines.account_id, primary_lines.account_id) as account_id,
        coalesce(platform_lines.sku, primary_lines.sku) as sku,
        coalesce(platform_lines.currency, primary_lines.currency) as currency,
        platform_lines.currency as platform_currency,
        primary_lines.currency as primary_currency,
        primary_lines.line_number as primary_line_number,
        coalesce(platform_lines.amount, 0) as expected,
        coalesce(primary_lines.amount, 0) as actual,
        platform_lines.usage_date is not null as in_platform,
        primary_lines.usage_date is not null as in_primary,
        coalesce(primary_lines.currency_count > 1 or primary_lines.currency <> platform_lines.currency, false)
            as currency_differs
    from platform_lines
    full outer join primary_lines
        on
            platform_lines.usage_date = primary_lines.usage_date
            and platform_lines.account_id = primary_lines.account_id
            and platform_lines.sku = primary_lines.sku
),

final as (
    select
        {{ recon_break_shape({
            'break_key': "compared.business_date || '|' || compared.account_id || '|' || compared.sku",
            'business_date': 'compared.business_date',
            'account_id': 'compared.account_id',
            'sku': 'compared.sku',
            'currency': 'compared.currency',
            'expected': 'trim_scale(compared.expected)',
            'actual': 'trim_scale(compared.actual)',
            'difference': 'trim_scale(compared.actual - compared.expected)',
            'file_name': 'complete_days.primary_file_name',
            'line_number': 'compared.primary_line_number',
            'detail': "'SO daily line: platform '
                || case when compared.in_platform
                    then trim_scale(compared.expected) || ' ' || compared.platform_currency else 'none' end
                || ', primary billing '
                || case when compared.in_primary
                    then trim_scale(compared.actual) || ' ' || compared.primary_currency else 'none' end
                || ' (' || complete_days.primary_file_name || ')'",
        }) }},
        power(10::numeric, -coalesce(currencies.minor_units, 2)) as minor_unit,
        compared.in_platform,
        compared.in_primary,
        compared.currency_differs
    from compared
    inner join complete_days on compared.business_date = complete_days.business_date
    left join currencies on compared.currency = currencies.currency
)

select * from final
