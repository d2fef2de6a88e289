{{ config(materialized='view') }}

with source as (
    select * from {{ source('billing', 'invoices') }}
),

final as (
    select
        invoice_id,
        tenant,
        account_id,
        billing_period,
        currency,
        total_amount,
        line_count,
        issued_at
    from source
)

select * from final
