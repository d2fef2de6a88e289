{{ config(materialized='view') }}

-- Issued invoices, straight from the ledger: one per (tenant, account, closed period) with at least
-- one line; the total is the sum of its rounded lines, adjustment lines included. An SO invoice carries
-- what it was issued with (rules §9): net, tax, gross, terms, issuer, the customer's tax_id; its due date is
-- the UTC date of issued_at plus the terms. HO cost statements: no tax (gross = net), no due date, no issuer.

with invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

issued_lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

issued_taxes as (
    select * from {{ ref('stg_billing__invoice_taxes') }}
),

taxes as (
    select
        invoice_id,
        bool_or(is_reverse_charge) as has_reverse_charge
    from issued_taxes
    group by invoice_id
),

adjustments as (
    select
        invoice_id,
        count(*) as adjustment_line_count,
        sum(amount) as adjustment_amount
    from issued_lines
    where is_adjustment
    group by invoice_id
),

final as (
    select
        invoices.invoice_id::text as invoice_id,
        invoices.tenant::text as tenant,
        invoices.account_id::text as account_id,
        invoices.billing_period::date as billing_period,
        invoices.currency::text as currency,
        invoices.total_amount::numeric as total_amount,
        invoices.line_count::integer as line_count,
        coalesce(adjustments.adjustment_line_count, 0)::integer as adjustment_line_count,
        coalesce(adjustments.adjustment_amount, 0)::numeric as adjustment_amount,
        invoices.issued_at::timestamptz as issued_at,
        invoices.country::text as country,
        coalesce(invoices.net_amount, invoices.total_amount)::numeric as net_amount,
        coalesce(invoices.tax_amount, 0)::numeric as tax_amount,
        coalesce(invoices.gross_amount, invoices.total_amount)::numeric as gross_amount,
        invoices.payment_terms_days::integer as payment_terms_days,
        ((invoices.issued_at at time zone 'UTC')::date + invoices.payment_terms_days)::date as due_date,
        invoices.issuer_legal_name::text as issuer_legal_name,
        invoices.issuer_address::text as issuer_address,
        invoices.issuer_tax_registration_id::text as issuer_tax_registration_id,
        invoices.customer_tax_id::text as customer_tax_id,
        coalesce(taxes.has_reverse_charge, false)::boolean as has_reverse_charge
    from invoices
    left join adjustments on invoices.invoice_id = adjustments.invoice_id
    left join taxes on invoices.invoice_id = taxes.invoice_id
)

select * from final
