-- Margin per period and account, in the account's currency and in USD (sum of fct_margin_monthly),
-- ranked by revenue: the finance pack's largest accounts.
with margin as (
    select * from {{ ref('fct_margin_monthly') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

by_account as (
    {{ margin_by(['account_id'], count_name='sku_count', count_expression='count(*)') }}
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
