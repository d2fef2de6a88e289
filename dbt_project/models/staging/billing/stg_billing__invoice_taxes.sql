{{ config(materialized='view') }}

-- depends_on: {{ ref('stg_billing__invoice_lines') }}
-- (built after stg_billing__invoice_lines: the ledger's staging views are replaced one at a time, since
-- replacing two views that share dependents at once can deadlock on those dependents' drop)

with source as (
    select * from {{ source('billing', 'invoice_taxes') }}
),

final as (
    select
        invoice_id,
        tax_name,
        rate,
        is_reverse_charge,
        taxable_amount,
        tax_amount,
        issued_at
    from source
)

select * from final
