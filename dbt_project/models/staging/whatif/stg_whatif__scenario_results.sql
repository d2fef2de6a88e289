with source as (
    select * from {{ source('whatif', 'scenario_results') }}
),

final as (
    select
        scenario,
        billing_period,
        account_id,
        country,
        sku,
        category,
        currency,
        revenue_current,
        revenue_proposed,
        cost_current,
        cost_proposed,
        revenue_issued,
        cost_issued,
        line_count_current,
        line_count_proposed
    from source
)

select * from final
