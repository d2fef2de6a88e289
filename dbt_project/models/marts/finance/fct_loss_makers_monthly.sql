-- Accounts and SKUs that lost money in a period: margin below zero in their currency (a SKU is
-- judged per currency, since its prices differ by currency). Ranked by loss in USD where the
-- rate is known, else by the loss in the currency.
with margin as (
    select * from {{ ref('fct_margin_monthly') }}
),

by_account as (
    select
        billing_period,
        'account' as subject_type,
        account_id as subject_id,
        max(country) as country,
        null::text as category,
        currency,
        sum(revenue) as revenue,
        sum(cost) as cost,
        sum(margin) as margin,
        sum(revenue_usd) as revenue_usd,
        sum(cost_usd) as cost_usd,
        sum(margin_usd) as margin_usd,
        count(distinct sku) as counterpart_count
    from margin
    group by billing_period, account_id, currency
),

by_sku as (
    select
        billing_period,
        'sku' as subject_type,
        sku as subject_id,
        null::text as country,
        max(category) as category,
        currency,
        sum(revenue) as revenue,
        sum(cost) as cost,
        sum(margin) as margin,
        sum(revenue_usd) as revenue_usd,
        sum(cost_usd) as cost_usd,
        sum(margin_usd) as margin_usd,
        count(distinct account_id) as counterpart_count
    from margin
    group by billing_period, sku, currency
),

losses as (
    select * from by_account
    where margin < 0
    union all
    select * from by_sku
    where margin < 0
),

final as (
    select
        billing_period,
        subject_type,
        subject_id,
        country,
        category,
        currency,
        revenue,
        cost,
        margin,
        {{ margin_pct('margin', 'revenue') }} as margin_pct,
        revenue_usd,
        cost_usd,
        margin_usd,
        counterpart_count,
        row_number() over (
            partition by billing_period, subject_type
            order by margin_usd asc nulls last, margin asc, subject_id asc, currency asc
        ) as loss_rank
    from losses
)

select * from final
