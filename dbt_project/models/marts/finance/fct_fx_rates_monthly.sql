-- Finance's rate to USD per month and currency, the rate the margin marts use (int_fx_rates_applied): every
-- rate finance sent (the latest landed version of each month and currency) and every month and currency with
-- invoice lines, USD being worth 1 USD without a rate row, a currency without a rate being null (never 0).

with latest_rates as (
    select * from {{ ref('int_fx_rates_latest') }}
),

applied as (
    select * from {{ ref('int_fx_rates_applied') }}
),

final as (
    select
        coalesce(applied.billing_period, latest_rates.billing_period)::date as billing_period,
        coalesce(applied.currency, latest_rates.currency)::text as currency,
        coalesce(applied.usd_per_unit, latest_rates.usd_per_unit)::numeric as usd_per_unit,
        case
            when applied.billing_period is not null then applied.rate_source else 'fx_rates file'
        end::text as rate_source,
        latest_rates.file_name::text as rate_file_name,
        (applied.billing_period is not null)::boolean as has_invoice_lines
    from latest_rates
    full outer join applied
        on
            latest_rates.billing_period = applied.billing_period
            and latest_rates.currency = applied.currency
)

select * from final
