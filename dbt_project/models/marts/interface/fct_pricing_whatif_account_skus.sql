-- A contracted view of int_pricing_whatif_account_skus for Python (models/marts/interface/_exposures.yml).

with pricing_whatif_account_skus as (
    select * from {{ ref('int_pricing_whatif_account_skus') }}
),

final as (
    select
        scenario::text as scenario,
        billing_period::date as billing_period,
        account_id::text as account_id,
        country::text as country,
        sku::text as sku,
        category::text as category,
        currency::text as currency,
        revenue_current::numeric as revenue_current,
        revenue_proposed::numeric as revenue_proposed,
        cost_current::numeric as cost_current,
        cost_proposed::numeric as cost_proposed,
        revenue_issued::numeric as revenue_issued,
        cost_issued::numeric as cost_issued,
        line_count_current::integer as line_count_current,
        line_count_proposed::integer as line_count_proposed
    from pricing_whatif_account_skus
)

select * from final
