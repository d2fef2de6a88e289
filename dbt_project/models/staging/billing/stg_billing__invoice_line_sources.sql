{{ config(materialized='view') }}

-- depends_on: {{ ref('stg_billing__invoice_taxes') }}
-- (built after stg_billing__invoice_taxes: the ledger's staging views are replaced one at a time, since
-- replacing two views that share dependents at once can deadlock on those dependents' drop)

with source as (
    select * from {{ source('billing', 'invoice_line_sources') }}
),

final as (
    select
        invoice_id || '/' || line_number || '/' || resource_id as invoice_line_source_id,
        invoice_id,
        line_number,
        resource_id,
        denominator,
        quantity_numerator,
        amount_numerator,
        charge_count,
        first_usage_at,
        last_usage_at
    from source
)

select * from final
