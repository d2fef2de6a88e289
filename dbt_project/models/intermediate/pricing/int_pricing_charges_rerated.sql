-- The charges of each what-if scenario's period with the rate the scenario proposes (docs/pricing.md),
-- one row per current invoice line key (and per group of unpriced usage). The charges are the rating's
-- own: the daily rated rows (the priced charges of macro rating_charges, summed per tenant, account,
-- sku, day, rate kind and rate applied, with their quantity numerator = seconds x quantity, or units)
-- and the unpriced charges (the same macro, is_priced=false). Only the price join changes: where the
-- scenario lists the (sku, tenant, currency), the rate is its unit_price (standard) or idle_unit_price
-- (idle) for the whole period and the proposed numerator is quantity_numerator x that rate; elsewhere
-- the charge keeps the rate that applied (unpriced usage stays unpriced). Nothing is divided or rounded here.

with scenarios as (
    select * from {{ ref('stg_whatif__scenarios') }}
),

proposed as (
    select * from {{ ref('int_pricing_proposed_prices') }}
),

usage_days as (
    select * from {{ ref('int_usage_rated_daily') }}
),

usage_pieces as (
    select * from {{ ref('int_usage_spans_priced') }}
),

term_charges as (
    select * from {{ ref('int_term_charges_computed') }}
),

unpriced_charges as (
    {{ rating_charges([
        'tenant', 'account_id', 'currency', 'sku', 'charge_type', 'billing_period', 'rate_kind', 'denominator',
        'quantity_numerator',
    ], is_priced=false) }}
),

charges as (
    select
        tenant,
        account_id,
        currency,
        sku,
        charge_type,
        billing_period,
        rate_kind,
        unit_price,
        denominator,
        quantity_numerator,
        amount_numerator,
        true as is_priced
    from usage_days
    union all
    select
        tenant,
        account_id,
        currency,
        sku,
        charge_type,
        billing_period,
        rate_kind,
        null::numeric as unit_price,
        denominator,
        quantity_numerator,
        null::numeric as amount_numerator,
        false as is_priced
    from unpriced_charges
),

-- Summed per (tenant, account, sku, rate kind, rate applied) first: the proposed rate depends on nothing
-- finer, sum(quantity_numerator) x rate = sum(quantity_numerator x rate) exactly, and the price join then
-- handles one row per current invoice line instead of one per day.
charge_groups as (
    select
        tenant,
        account_id,
        currency,
        sku,
        charge_type,
        billing_period,
        rate_kind,
        unit_price,
        denominator,
        is_priced,
        sum(quantity_numerator) as quantity_numerator,
        sum(amount_numerator) as amount_numerator
    from charges
    group by
        tenant, account_id, currency, sku, charge_type, billing_period, rate_kind, unit_price, denominator, is_priced
),

scenario_charges as (
    select
        scenarios.scenario,
        charge_groups.*
    from scenarios
    inner join charge_groups on scenarios.billing_period = charge_groups.billing_period
),

-- A SKU that is in no catalogue has time-metered pieces without a charge type: the proposal's charge
-- type gives their denominator (hourly or monthly; annual and one-time terms cannot be derived from
-- time pieces, so such usage stays unpriced).
priced as (
    select
        scenario_charges.*,
        proposed.sku is not null as is_proposed,
        coalesce(scenario_charges.charge_type, proposed.charge_type) as proposed_charge_type,
        case
            when proposed.sku is null then scenario_charges.unit_price
            when scenario_charges.charge_type is null and proposed.charge_type not in ('hourly', 'monthly')
                then null
            when scenario_charges.rate_kind = 'standard' then proposed.unit_price
            else proposed.idle_unit_price
        end as proposed_unit_price,
        coalesce(
            scenario_charges.denominator,
            case proposed.charge_type
                when 'hourly' then 3600
                when 'monthly' then {{ seconds_between('scenario_charges.billing_period::timestamp',
                                                       "scenario_charges.billing_period::timestamp + interval '1 month'") }}
            end
        ) as proposed_denominator
    from scenario_charges
    left join proposed
        on
            scenario_charges.scenario = proposed.scenario
            and scenario_charges.sku = proposed.sku
            and scenario_charges.tenant = proposed.tenant
            and scenario_charges.currency = proposed.currency
),

final as (
    select
        scenario,
        tenant,
        account_id,
        currency,
        sku,
        proposed_charge_type as charge_type,
        billing_period,
        rate_kind,
        is_priced,
        is_proposed,
        unit_price as current_unit_price,
        denominator as current_denominator,
        amount_numerator as current_amount_numerator,
        proposed_unit_price,
        proposed_denominator,
        quantity_numerator,
        case
            when is_proposed then quantity_numerator * proposed_unit_price
            else amount_numerator
        end as proposed_amount_numerator
    from priced
)

select * from final
