-- A contracted view of int_invoice_adjustment_causes for Python (models/marts/interface/_exposures.yml).

with invoice_adjustment_causes as (
    select * from {{ ref('int_invoice_adjustment_causes') }}
),

final as (
    select
        invoice_id::text as invoice_id,
        line_number::integer as line_number,
        cause_kind::text as cause_kind,
        resource_id::text as resource_id,
        event_id::text as event_id,
        event_type::text as event_type,
        event_at::timestamp with time zone as event_at,
        price_effective_from::date as price_effective_from,
        price_unit_price::numeric as price_unit_price,
        input_file_name::text as input_file_name,
        input_line_number::integer as input_line_number,
        processed_at::timestamp with time zone as processed_at,
        detail::text as detail
    from invoice_adjustment_causes
)

select * from final
