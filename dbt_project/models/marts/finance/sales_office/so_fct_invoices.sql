-- The sales office's invoices: SO invoices only.
{{ config(
    materialized='view', schema='marts_sales', alias='fct_invoices',
    grants={'select': ['billing_sales_office']},
    post_hook="{{ rls_tenant_policies(ref('fct_invoices')) }}"
) }}

with invoices as (
    select * from {{ ref('fct_invoices') }}
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
        issued_at,
        net_amount,
        tax_amount,
        gross_amount,
        due_date,
        issuer_legal_name
    from invoices
    where tenant = 'SO'
)

select * from final
