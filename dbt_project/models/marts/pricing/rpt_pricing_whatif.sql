{{ config(materialized='view') }}

-- What-if re-rating of a closed period under a proposed price list (docs/pricing.md), per scenario,
-- account and SKU: revenue (SO) and cost (HO) at the prices that applied and at the proposed prices,
-- each invoice line rounded once, then summed. The figures are those stored by `iaas-billing whatif`
-- (whatif.scenario_results, which no dbt build touches); USD uses finance's rate for the period
-- (int_fx_rates_applied; USD is 1), rounded to cents per row, null where the rate is missing.

with results as (
    select * from {{ ref('stg_whatif__scenario_results') }}
),

scenarios as (
    select * from {{ ref('stg_whatif__scenarios') }}
),

rates as (
    select * from {{ ref('int_fx_rates_applied') }}
),

converted as (
    select
        results.*,
        coalesce(rates.usd_per_unit, case when results.currency = 'USD' then 1 end) as usd_per_unit
    from results
    left join rates
        on
            results.billing_period = rates.billing_period
            and results.currency = rates.currency
),

final as (
    select
        converted.scenario,
        converted.billing_period,
        converted.account_id,
        converted.country,
        converted.sku,
        converted.category,
        converted.currency,
        converted.revenue_current,
        converted.revenue_proposed,
        converted.cost_current,
        converted.cost_proposed,
        converted.revenue_proposed - converted.revenue_current as revenue_change,
        converted.revenue_current - converted.cost_current as margin_current,
        converted.revenue_proposed - converted.cost_proposed as margin_proposed,
        converted.revenue_issued,
        converted.cost_issued,
        converted.usd_per_unit,
        round(converted.revenue_current * converted.usd_per_unit, 2) as revenue_current_usd,
        round(converted.revenue_proposed * converted.usd_per_unit, 2) as revenue_proposed_usd,
        round(converted.cost_current * converted.usd_per_unit, 2) as cost_current_usd,
        round(converted.cost_proposed * converted.usd_per_unit, 2) as cost_proposed_usd,
        round(converted.revenue_current * converted.usd_per_unit, 2)
        - round(converted.cost_current * converted.usd_per_unit, 2) as margin_current_usd,
        round(converted.revenue_proposed * converted.usd_per_unit, 2)
        - round(converted.cost_proposed * converted.usd_per_unit, 2) as margin_proposed_usd,
        converted.line_count_current,
        converted.line_count_proposed,
        scenarios.catalog_file,
        scenarios.created_at as scenario_created_at
    from converted
    inner join scenarios on converted.scenario = scenarios.scenario
)

select * from final
