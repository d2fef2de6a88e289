{{ config(materialized='view') }}

-- What-if scenarios per account: the account's bill (its SO invoice for the period, re-rated) at the
-- prices that applied and at the proposed prices, the change in the currency, in % and in USD, its
-- cost and margin, and two ranks of the rises: by the change in USD (accounts whose rate is missing
-- come after) and by the change in %.

with whatif as (
    select * from {{ ref('rpt_pricing_whatif') }}
),

by_account as (
    select
        scenario,
        billing_period,
        account_id,
        country,
        currency,
        sum(revenue_current) as bill_current,
        sum(revenue_proposed) as bill_proposed,
        sum(cost_current) as cost_current,
        sum(cost_proposed) as cost_proposed,
        sum(revenue_current_usd) as bill_current_usd,
        sum(revenue_proposed_usd) as bill_proposed_usd,
        sum(margin_current_usd) as margin_current_usd,
        sum(margin_proposed_usd) as margin_proposed_usd
    from whatif
    group by scenario, billing_period, account_id, country, currency
),

changes as (
    select
        *,
        bill_proposed - bill_current as bill_change,
        case when bill_current <> 0 then round((bill_proposed - bill_current) / bill_current, 6) end
            as bill_change_pct,
        bill_proposed_usd - bill_current_usd as bill_change_usd
    from by_account
),

final as (
    select
        scenario,
        billing_period,
        account_id,
        country,
        currency,
        bill_current,
        bill_proposed,
        bill_change,
        bill_change_pct,
        bill_current_usd,
        bill_proposed_usd,
        bill_change_usd,
        cost_current,
        cost_proposed,
        bill_current - cost_current as margin_current,
        bill_proposed - cost_proposed as margin_proposed,
        margin_current_usd,
        margin_proposed_usd,
        row_number() over (
            partition by scenario order by bill_change_usd desc nulls last, bill_change desc, account_id asc
        ) as rise_rank,
        row_number() over (
            partition by scenario order by bill_change_pct desc nulls last, bill_change_usd desc nulls last, account_id asc
        ) as rise_pct_rank
    from changes
)

select * from final
