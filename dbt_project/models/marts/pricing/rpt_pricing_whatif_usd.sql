{{ config(materialized='view') }}

-- What-if scenarios consolidated in USD across currencies, per country, per category and in total:
-- sums of rpt_pricing_whatif_by_dimension's USD figures. A group that includes any amount without a
-- rate to USD has null USD figures (never a partial sum) and names the missing currencies.

with by_dimension as (
    select * from {{ ref('rpt_pricing_whatif_by_dimension') }}
),

summed as (
    select
        scenario,
        billing_period,
        dimension,
        dimension_value,
        bool_and(revenue_current_usd is not null) as is_usd_complete,
        sum(revenue_current_usd) as revenue_current_usd,
        sum(revenue_proposed_usd) as revenue_proposed_usd,
        sum(margin_current_usd) as margin_current_usd,
        sum(margin_proposed_usd) as margin_proposed_usd,
        string_agg(currency, ', ' order by currency) filter (where revenue_current_usd is null)
            as missing_fx_currencies,
        string_agg(currency, ', ' order by currency) as currencies
    from by_dimension
    group by scenario, billing_period, dimension, dimension_value
),

final as (
    select
        scenario,
        billing_period,
        dimension,
        dimension_value,
        is_usd_complete,
        case when is_usd_complete then revenue_current_usd end as revenue_current_usd,
        case when is_usd_complete then revenue_proposed_usd end as revenue_proposed_usd,
        case when is_usd_complete then revenue_proposed_usd - revenue_current_usd end as revenue_change_usd,
        case
            when is_usd_complete and revenue_current_usd <> 0
                then round((revenue_proposed_usd - revenue_current_usd) / revenue_current_usd, 6)
        end as revenue_change_pct,
        case when is_usd_complete then margin_current_usd end as margin_current_usd,
        case when is_usd_complete then margin_proposed_usd end as margin_proposed_usd,
        case when is_usd_complete then margin_proposed_usd - margin_current_usd end as margin_change_usd,
        missing_fx_currencies,
        currencies
    from summed
)

select * from final
