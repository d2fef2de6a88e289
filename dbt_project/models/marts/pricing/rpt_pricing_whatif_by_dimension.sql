{{ config(materialized='view') }}

-- What-if scenarios rolled up per country, per category and in total, in each currency (a country has
-- one; a category or the total spans several): revenue and margin at the prices that applied and at
-- the proposed prices, their change, and the same in USD (sums of rpt_pricing_whatif's rows; a
-- (period, currency) has one rate, so a group's USD figures are all there or all null).

with whatif as (
    select * from {{ ref('rpt_pricing_whatif') }}
),

dimensions as (
    select
        'total' as dimension,
        'all' as dimension_value,
        whatif.*
    from whatif
    union all
    select
        'country' as dimension,
        whatif.country as dimension_value,
        whatif.*
    from whatif
    union all
    select
        'category' as dimension,
        whatif.category as dimension_value,
        whatif.*
    from whatif
),

summed as (
    select
        scenario,
        billing_period,
        dimension,
        dimension_value,
        currency,
        sum(revenue_current) as revenue_current,
        sum(revenue_proposed) as revenue_proposed,
        sum(cost_current) as cost_current,
        sum(cost_proposed) as cost_proposed,
        sum(revenue_current_usd) as revenue_current_usd,
        sum(revenue_proposed_usd) as revenue_proposed_usd,
        sum(margin_current_usd) as margin_current_usd,
        sum(margin_proposed_usd) as margin_proposed_usd,
        count(distinct account_id) as account_count
    from dimensions
    group by scenario, billing_period, dimension, dimension_value, currency
),

final as (
    select
        scenario,
        billing_period,
        dimension,
        dimension_value,
        currency,
        revenue_current,
        revenue_proposed,
        revenue_proposed - revenue_current as revenue_change,
        case
            when revenue_current <> 0 then round((revenue_proposed - revenue_current) / revenue_current, 6)
        end as revenue_change_pct,
        cost_current,
        cost_proposed,
        revenue_current - cost_current as margin_current,
        revenue_proposed - cost_proposed as margin_proposed,
        (revenue_proposed - cost_proposed) - (revenue_current - cost_current) as margin_change,
        {{ margin_pct('revenue_current - cost_current', 'revenue_current') }} as margin_pct_current,
        {{ margin_pct('revenue_proposed - cost_proposed', 'revenue_proposed') }} as margin_pct_proposed,
        revenue_current_usd,
        revenue_proposed_usd,
        revenue_proposed_usd - revenue_current_usd as revenue_change_usd,
        margin_current_usd,
        margin_proposed_usd,
        margin_proposed_usd - margin_current_usd as margin_change_usd,
        account_count
    from summed
)

select * from final
