-- Margin per period, category and currency, in that currency and in USD (rules §7): the sum of
-- fct_margin_monthly's rows. A (period, currency) has one rate, so the USD figures of a group are
-- all there or all null (rate missing).
with margin as (
    select * from {{ ref('fct_margin_monthly') }}
),

final as (
    select
        billing_period,
        category,
        currency,
        sum(revenue) as revenue,
        sum(cost) as cost,
        sum(margin) as margin,
        case when sum(revenue) <> 0 then round(sum(margin) / sum(revenue), 6) end as margin_pct,
        sum(revenue_usd) as revenue_usd,
        sum(cost_usd) as cost_usd,
        sum(margin_usd) as margin_usd,
        count(distinct account_id) as account_count
    from margin
    group by billing_period, category, currency
)

select * from final
