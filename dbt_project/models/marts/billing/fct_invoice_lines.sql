{{ config(materialized='view') }}

-- Issued invoice lines, straight from the ledger (billing schema, written only by the bill run), so
-- no dbt run or --full-refresh can change or lose an issued line.

with issued_lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

final as (
    select
        invoice_id::text as invoice_id,
        line_number::integer as line_number,
        tenant::text as tenant,
        account_id::text as account_id,
        billing_period::date as billing_period,
        sku::text as sku,
        charge_type::text as charge_type,
        rate_kind::text as rate_kind,
        unit_price::numeric as unit_price,
        quantity::numeric as quantity,
        currency::text as currency,
        amount::numeric as amount,
        amount_exact::numeric as amount_exact,
        adjusted_period::date as adjusted_period,
        is_adjustment::boolean as is_adjustment,
        tax_name::text as tax_name,
        tax_rate::numeric as tax_rate,
        is_reverse_charge::boolean as is_reverse_charge,
        tax_effective_from_date::date as tax_effective_from_date,
        issued_at::timestamptz as issued_at
    from issued_lines
)

select * from final
