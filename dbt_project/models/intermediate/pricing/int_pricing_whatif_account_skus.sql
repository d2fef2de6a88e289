-- Each what-if scenario's figures per account and SKU (docs/pricing.md): the period's invoice lines at
-- the prices that applied and at the proposed prices (int_pricing_lines_proposed, each line rounded once),
-- summed per account and SKU; SO lines are revenue, HO lines cost. What was issued for the period (its
-- regular lines and the adjustment lines of it) is shown beside them. `iaas-billing whatif` copies one
-- scenario's rows into whatif.scenario_results, filtering on scenario and billing_period as constants,
-- which reach the rated rows' billing_period index.

with scenarios as (
    select * from {{ ref('stg_whatif__scenarios') }}
),

proposed_lines as (
    select * from {{ ref('int_pricing_lines_proposed') }}
),

issued_lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

accounts as (
    select * from {{ ref('int_accounts_resolved') }}
),

skus as (
    select * from {{ ref('int_skus_resolved') }}
),

proposed_skus as (
    select
        scenario,
        sku,
        min(category) as category
    from {{ ref('int_pricing_proposed_prices') }}
    group by scenario, sku
),

amounts as (
    select
        scenario,
        billing_period,
        tenant,
        account_id,
        sku,
        currency,
        current_amount as amount_current,
        case when is_line then amount else 0 end as amount_proposed,
        0 as amount_issued,
        current_line_count as line_current,
        case when is_line then 1 else 0 end as line_proposed
    from proposed_lines
    union all
    select
        scenarios.scenario,
        scenarios.billing_period,
        issued_lines.tenant,
        issued_lines.account_id,
        issued_lines.sku,
        issued_lines.currency,
        0 as amount_current,
        0 as amount_proposed,
        issued_lines.amount as amount_issued,
        0 as line_current,
        0 as line_proposed
    from scenarios
    inner join issued_lines on scenarios.billing_period = issued_lines.line_key_period
),

by_key as (
    select
        scenario,
        billing_period,
        account_id,
        sku,
        currency,
        coalesce(sum(amount_current) filter (where tenant = 'SO'), 0) as revenue_current,
        coalesce(sum(amount_proposed) filter (where tenant = 'SO'), 0) as revenue_proposed,
        coalesce(sum(amount_current) filter (where tenant = 'HO'), 0) as cost_current,
        coalesce(sum(amount_proposed) filter (where tenant = 'HO'), 0) as cost_proposed,
        coalesce(sum(amount_issued) filter (where tenant = 'SO'), 0) as revenue_issued,
        coalesce(sum(amount_issued) filter (where tenant = 'HO'), 0) as cost_issued,
        sum(line_current)::integer as line_count_current,
        sum(line_proposed)::integer as line_count_proposed
    from amounts
    group by scenario, billing_period, account_id, sku, currency
),

final as (
    select
        by_key.scenario,
        by_key.billing_period,
        by_key.account_id,
        accounts.country,
        by_key.sku,
        coalesce(skus.category, proposed_skus.category) as category,
        by_key.currency,
        by_key.revenue_current,
        by_key.revenue_proposed,
        by_key.cost_current,
        by_key.cost_proposed,
        by_key.revenue_issued,
        by_key.cost_issued,
        by_key.line_count_current,
        by_key.line_count_proposed
    from by_key
    left join accounts on by_key.account_id = accounts.account_id
    left join skus on by_key.sku = skus.sku
    left join proposed_skus on by_key.scenario = proposed_skus.scenario and by_key.sku = proposed_skus.sku
)

select * from final
