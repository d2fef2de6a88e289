-- The contributing resources of every daily line (fct_rated_usage_daily: tenant, UTC day, account,
-- sku; all charge types and rate kinds): per resource, the sums of its exact numerators that day over
-- the sku's denominator. Summed over resources, divided once and rounded once, they are the daily
-- line. A view for explain (an L1 break's platform side), read filtered on usage_date and account_id.

with charges as (
    select * from {{ ref('int_rated_charges_unioned') }}
),

final as (
    select
        tenant,
        usage_date,
        account_id,
        sku,
        currency,
        charge_type,
        denominator,
        resource_id,
        sum(quantity_numerator) as quantity_numerator,
        sum(amount_numerator) as amount_numerator,
        count(*) as charge_count,
        min(usage_from_at) as first_usage_at,
        max(usage_to_at) as last_usage_at
    from charges
    group by tenant, usage_date, account_id, sku, currency, charge_type, denominator, resource_id
)

select * from final
