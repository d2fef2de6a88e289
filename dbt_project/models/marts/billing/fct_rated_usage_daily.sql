{{ config(materialized='view') }}

-- This platform's own daily rating (docs/decisions.md, "Daily line"): per (tenant, UTC day, account,
-- sku) the sum of every exact charge of that sku on that day (all charge types and rate kinds),
-- rounded once, half away from zero, to the currency's minor units. A day whose exact sum is zero
-- has no row. A view over int_usage_rated_daily_lines (over the incremental int_usage_rated_daily,
-- filter on usage_date: indexed).

with daily_lines as (
    select * from {{ ref('int_usage_rated_daily_lines') }}
),

final as (
    select
        tenant::text as tenant,
        usage_date::date as usage_date,
        account_id::text as account_id,
        sku::text as sku,
        currency::text as currency,
        amount::numeric as amount,
        amount_exact::numeric as amount_exact,
        charge_type::text as charge_type
    from daily_lines
)

select * from final
