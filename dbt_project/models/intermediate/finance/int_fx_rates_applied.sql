-- The rate to USD for every (billing_period, currency) that has issued invoice lines. A USD
-- amount is worth 1 USD whether or not finance sends a USD row; any other currency needs
-- finance's rate for that period, and a pair without one has a null rate (never a zero).
with invoice_lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

latest_rates as (
    select * from {{ ref('int_fx_rates_latest') }}
),

needed as (
    select
        billing_period,
        currency,
        count(*) as line_count,
        count(distinct account_id) as account_count,
        coalesce(sum(amount) filter (where tenant = 'SO'), 0) as revenue,
        coalesce(sum(amount) filter (where tenant = 'HO'), 0) as cost
    from invoice_lines
    group by billing_period, currency
),

final as (
    select
        needed.billing_period,
        needed.currency,
        coalesce(latest_rates.usd_per_unit, case when needed.currency = 'USD' then 1 end) as usd_per_unit,
        case
            when latest_rates.usd_per_unit is not null then 'fx_rates file'
            when needed.currency = 'USD' then 'usd identity'
        end as rate_source,
        latest_rates.file_name as rate_file_name,
        needed.line_count,
        needed.account_count,
        needed.revenue,
        needed.cost
    from needed
    left join latest_rates
        on
            needed.billing_period = latest_rates.billing_period
            and needed.currency = latest_rates.currency
)

select * from final
