-- Margin per period and account, in the account's currency and in USD (sum of fct_margin_monthly),
-- ranked by revenue: the finance pack's largest accounts.
with margin as (
    select * from {{ ref('fct_margin_monthly') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

by_account as (
    select
        billing_period,
        account_id,
        currency,
        sum(revenue) as revenue,
        sum(cost) as cost,
        sum(margin) as margin,
        case when sum(revenue) <> 0 then round(sum(margin) / sum(revenue), 6) end as margin_pct,
        sum(revenue_usd) as revenue_usd,
        sum(cost_usd) as cost_usd,
        sum(margin_usd) as margin_usd,
        count(*) as sku_count
    from margin
    group by billing_period, account_id, currency
),

final as (
    select
        by_account.billing_period,
        by_account.account_id,
        accounts.account_name,
        accounts.country,
        by_account.currency,
        by_account.revenue,
        by_account.cost,
        by_account.margin,
        by_account.margin_pct,
        by_account.revenue_usd,
        by_account.cost_usd,
        by_account.margin_usd,
        by_account.sku_count,
        row_number() over (
            partition by by_account.billing_period
            order by by_account.revenue_usd desc nulls last, by_account.account_id asc
        ) as revenue_rank
    from by_account
    left join accounts on by_account.account_id = accounts.account_id
)

select * from final
