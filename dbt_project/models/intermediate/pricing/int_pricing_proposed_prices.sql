-- The proposed prices of every what-if scenario (docs/pricing.md), one per (scenario, sku, tenant,
-- currency), with the closed period the scenario re-rates: each is in force from the period's first
-- instant to its end, whatever its effective_from says.

with scenarios as (
    select * from {{ ref('stg_whatif__scenarios') }}
),

proposed_prices as (
    select * from {{ ref('stg_whatif__proposed_prices') }}
),

final as (
    select
        proposed_prices.scenario,
        scenarios.billing_period,
        proposed_prices.sku,
        proposed_prices.tenant,
        proposed_prices.currency,
        proposed_prices.product_name,
        proposed_prices.category,
        proposed_prices.charge_type,
        proposed_prices.unit,
        proposed_prices.unit_price,
        proposed_prices.idle_unit_price,
        proposed_prices.line_number
    from proposed_prices
    inner join scenarios on proposed_prices.scenario = scenarios.scenario
)

select * from final
