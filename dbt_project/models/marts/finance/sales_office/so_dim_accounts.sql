-- The accounts, for the sales office (no tenant, no cost: the whole dimension).
{{ config(
    materialized='view', schema='marts_sales', alias='dim_accounts',
    grants={'select': ['billing_sales_office']}
) }}

with accounts as (
    select * from {{ ref('dim_accounts') }}
),

final as (
    select
        account_id,
        account_name,
        country,
        currency,
        minor_units,
        created_at
    from accounts
)

select * from final
