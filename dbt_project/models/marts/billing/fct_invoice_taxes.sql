{{ config(materialized='view') }}

-- The tax of every issued SO invoice, per tax group (rules §9, interfaces.md), straight from the ledger:
-- what the invoice was issued with; no later tax snapshot changes it.

with issued_taxes as (
    select * from {{ ref('stg_billing__invoice_taxes') }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

final as (
    select
        issued_taxes.invoice_id::text as invoice_id,
        invoices.account_id::text as account_id,
        invoices.billing_period::date as billing_period,
        invoices.currency::text as currency,
        issued_taxes.tax_name::text as tax_name,
        issued_taxes.rate::numeric as rate,
        issued_taxes.is_reverse_charge::boolean as is_reverse_charge,
        issued_taxes.taxable_amount::numeric as taxable_amount,
        issued_taxes.tax_amount::numeric as tax_amount,
        issued_taxes.issued_at::timestamptz as issued_at
    from issued_taxes
    inner join invoices on issued_taxes.invoice_id = invoices.invoice_id
)

select * from final
