{{ config(materialized='view') }}

-- depends_on: {{ ref('stg_billing__closed_periods') }}
-- (built after stg_billing__closed_periods: the ledger's staging views are replaced one at a time, since
-- replacing two views that share dependents at once can deadlock on those dependents' drop)

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
        issued_at,
        country,
        net_amount,
        tax_amount,
        gross_amount,
        payment_terms_days,
        issuer_legal_name,
        issuer_address,
        issuer_tax_registration_id,
        customer_tax_id
    from source
)

select * from final
