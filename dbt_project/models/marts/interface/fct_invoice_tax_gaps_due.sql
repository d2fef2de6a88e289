-- A contracted view of int_invoice_tax_gaps for Python (models/marts/interface/_exposures.yml).

with tax_gaps as (
    select * from {{ ref('int_invoice_tax_gaps') }}
),

final as (
    select
        billing_period::date as billing_period,
        country::text as country,
        gap_type::text as gap_type,
        line_count::bigint as line_count,
        invoice_count::bigint as invoice_count,
        detail::text as detail
    from tax_gaps
)

select * from final
