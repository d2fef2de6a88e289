{{ config(materialized='view') }}

-- Issued invoices, straight from the ledger: one per (tenant, account, closed period) with at least
-- one line; the total is the sum of its rounded lines, adjustment lines included.

with invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

issued_lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
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
        invoices.issued_at::timestamptz as issued_at
    from invoices
    left join adjustments on invoices.invoice_id = adjustments.invoice_id
)

select * from final
