{{ config(materialized='view') }}

with source as (
    select * from {{ source('billing', 'closed_periods') }}
),

final as (
    select
        billing_period,
        closed_at,
        invoice_count,
        line_count,
        adjustment_line_count,
        lineage_source_rows
    from source
)

select * from final
