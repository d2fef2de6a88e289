-- The sales office's invoice lines: SO rows only (their amounts are revenue, no cost is visible).
{{ config(
    materialized='view', schema='marts_sales', alias='fct_invoice_lines',
    grants={'select': ['billing_sales_office']},
    post_hook="{{ rls_tenant_policies(ref('fct_invoice_lines')) }}"
) }}

with invoice_lines as (
    select * from {{ ref('fct_invoice_lines') }}
),

final as (
    select
        invoice_id,
        tenant,
        account_id,
        billing_period,
        sku,
        charge_type,
        rate_kind,
        unit_price,
        quantity,
        currency,
        amount,
        adjusted_period
    from invoice_lines
    where tenant = 'SO'
)

select * from final
