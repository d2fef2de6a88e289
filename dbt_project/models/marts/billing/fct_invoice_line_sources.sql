{{ config(materialized='view') }}

-- The lineage of every issued invoice line ("every number explained", docs/explain.md): per line and
-- contributing resource, what the resource put on the line's key when the line was issued, exact. A
-- view over the ledger (written by the bill run with the lines), so it never changes after issue.
-- For an adjustment line the rows are the re-rated key, not the difference (fct_invoice_line_derivations).

with sources as (
    select * from {{ ref('stg_billing__invoice_line_sources') }}
),

issued_lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

final as (
    select
        sources.invoice_id::text as invoice_id,
        sources.line_number::integer as line_number,
        sources.resource_id::text as resource_id,
        issued_lines.tenant::text as tenant,
        issued_lines.account_id::text as account_id,
        issued_lines.billing_period::date as billing_period,
        issued_lines.line_key_period::date as line_key_period,
        issued_lines.sku::text as sku,
        issued_lines.charge_type::text as charge_type,
        issued_lines.rate_kind::text as rate_kind,
        issued_lines.unit_price::numeric as unit_price,
        issued_lines.currency::text as currency,
        {{ exact_divide('sources.quantity_numerator', 'sources.denominator') }}::numeric as quantity_exact,
        {{ exact_divide('sources.amount_numerator', 'sources.denominator') }}::numeric as amount_exact,
        sources.quantity_numerator::numeric as quantity_numerator,
        sources.amount_numerator::numeric as amount_numerator,
        sources.denominator::numeric as denominator,
        sources.charge_count::integer as charge_count,
        sources.first_usage_at::timestamptz as first_usage_at,
        sources.last_usage_at::timestamptz as last_usage_at
    from sources
    inner join issued_lines
        on sources.invoice_id = issued_lines.invoice_id and sources.line_number = issued_lines.line_number
)

select * from final
