{{ config(materialized='view') }}

-- depends_on: {{ ref('stg_billing__invoices') }}
-- (built after stg_billing__invoices: the ledger's staging views are replaced one at a time, since
-- replacing two views that share dependents at once can deadlock on those dependents' drop)

with source as (
    select * from {{ source('billing', 'invoice_lines') }}
),

final as (
    select
        invoice_id || '/' || line_number as invoice_line_id,
        invoice_id,
        line_number,
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
        amount_exact,
        adjusted_period,
        coalesce(adjusted_period, billing_period) as line_key_period,
        adjusted_period is not null as is_adjustment,
        tax_name,
        tax_rate,
        is_reverse_charge,
        tax_effective_from_date,
        issued_at
    from source
)

select * from final
