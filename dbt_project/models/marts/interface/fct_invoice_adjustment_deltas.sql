-- A contracted view of int_invoice_adjustment_deltas for Python (models/marts/interface/_exposures.yml).

with invoice_adjustment_deltas as (
    select * from {{ ref('int_invoice_adjustment_deltas') }}
),

final as (
    select
        invoice_id::text as invoice_id,
        line_number::integer as line_number,
        resource_id::text as resource_id,
        previous_invoice_id::text as previous_invoice_id,
        previous_line_number::integer as previous_line_number,
        denominator::numeric as denominator,
        before_quantity_numerator::numeric as before_quantity_numerator,
        before_amount_numerator::numeric as before_amount_numerator,
        now_quantity_numerator::numeric as now_quantity_numerator,
        now_amount_numerator::numeric as now_amount_numerator,
        delta_amount_numerator::numeric as delta_amount_numerator,
        delta_quantity_numerator::numeric as delta_quantity_numerator,
        was_on_key::boolean as was_on_key,
        is_on_key::boolean as is_on_key
    from invoice_adjustment_deltas
)

select * from final
