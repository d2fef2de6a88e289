{{ config(materialized='view') }}

-- This platform's own daily rating (docs/decisions.md, "Daily line"): per (tenant, UTC day, account,
-- sku) the sum of every exact charge of that sku on that day (all charge types and rate kinds),
-- rounded once, half away from zero, to the currency's minor units. A day whose exact sum is zero
-- has no row. A view over the incremental int_usage_rated_daily (filter on usage_date: indexed).

with usage_days as (
    select * from {{ ref('int_usage_rated_daily') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

summed as (
    select
        tenant,
        usage_date,
        account_id,
        sku,
        currency,
        charge_type,
        denominator,
        sum(amount_numerator) as amount_numerator
    from usage_days
    group by tenant, usage_date, account_id, sku, currency, charge_type, denominator
),

final as (
    select
        summed.tenant::text as tenant,
        summed.usage_date::date as usage_date,
        summed.account_id::text as account_id,
        summed.sku::text as sku,
        summed.currency::text as currency,
        {{ round_money(exact_divide('summed.amount_numerator', 'summed.denominator'), 'currencies.minor_units') }}::numeric
            as amount,
        {{ exact_divide('summed.amount_numerator', 'summed.denominator') }}::numeric as amount_exact,
        summed.charge_type::text as charge_type
    from summed
    inner join currencies on summed.currency = currencies.currency
    where summed.amount_numerator <> 0
)

select * from final
