-- This platform's own daily lines (docs/decisions.md, "Daily line"): per (tenant, UTC day, account,
-- sku, charge type) the sum of every exact charge of that sku on that day (all rate kinds), rounded
-- once, half away from zero, to the currency's minor units. A day whose exact sum is zero has no row.
-- Published as fct_rated_usage_daily; the L1 reconciliation compares them (int_recon_l1_compared_lines).
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
        summed.tenant,
        summed.usage_date,
        summed.account_id,
        summed.sku,
        summed.currency,
        {{ round_money(exact_divide('summed.amount_numerator', 'summed.denominator'), 'currencies.minor_units') }}
            as amount,
        {{ exact_divide('summed.amount_numerator', 'summed.denominator') }} as amount_exact,
        summed.charge_type
    from summed
    inner join currencies on summed.currency = currencies.currency
    where summed.amount_numerator <> 0
)

select * from final
