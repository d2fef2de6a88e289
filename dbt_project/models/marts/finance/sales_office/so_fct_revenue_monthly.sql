-- The sales office's revenue per period, account and SKU: fct_margin_monthly without any cost or
-- margin column.
{{ config(
    materialized='view', schema='marts_sales', alias='fct_revenue_monthly',
    grants={'select': ['billing_sales_office']}
) }}

with margin as (
    select * from {{ ref('fct_margin_monthly') }}
),

final as (
    select
        billing_period,
        account_id,
        country,
        sku,
        category,
        currency,
        revenue,
        revenue_usd,
        revenue_adjustments
    from margin
    where revenue <> 0
)

select * from final
