{{ config(materialized='view') }}

-- Unbilled revenue (interfaces.md): for every period the ledger has not closed, per tenant, account
-- and SKU, the charges accrued from the period's start to its high-water mark (the clock the rating
-- was built at, or the period's end once passed), each invoice line rounded once, summed per SKU. SO
-- rows are unbilled revenue, HO rows accrued cost. Built by every dbt build (int_unbilled_revenue_accrued);
-- as a view over the ledger it drops a period the moment the bill run closes it.

with accrued as (
    select * from {{ ref('int_unbilled_revenue_accrued') }}
),

closed_periods as (
    select * from {{ ref('stg_billing__closed_periods') }}
),

final as (
    select
        accrued.tenant,
        accrued.billing_period,
        accrued.account_id,
        accrued.sku,
        accrued.currency,
        accrued.amount,
        accrued.high_water_at,
        accrued.amount_exact,
        accrued.line_count,
        accrued.rated_through_at,
        accrued.latest_event_at
    from accrued
    left join closed_periods on accrued.billing_period = closed_periods.billing_period
    where closed_periods.billing_period is null
)

select * from final
