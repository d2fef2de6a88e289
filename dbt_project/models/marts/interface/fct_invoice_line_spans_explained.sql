-- A contracted view of int_invoice_line_spans_explained for Python (models/marts/interface/_exposures.yml).

with invoice_line_spans_explained as (
    select * from {{ ref('int_invoice_line_spans_explained') }}
),

final as (
    select
        tenant::text as tenant,
        account_id::text as account_id,
        billing_period::date as billing_period,
        sku::text as sku,
        charge_type::text as charge_type,
        rate_kind::text as rate_kind,
        unit_price::numeric as unit_price,
        currency::text as currency,
        denominator::numeric as denominator,
        resource_id::text as resource_id,
        charge_kind::text as charge_kind,
        state::text as state,
        quantity::numeric as quantity,
        span_from_at::timestamp with time zone as span_from_at,
        span_to_at::timestamp with time zone as span_to_at,
        seconds::numeric as seconds,
        quantity_numerator::numeric as quantity_numerator,
        amount_numerator::numeric as amount_numerator,
        charge_count::bigint as charge_count,
        term_number::integer as term_number,
        term_started_at::timestamp with time zone as term_started_at,
        high_water_quantity::numeric as high_water_quantity,
        resource_interval_id::text as resource_interval_id,
        starts_at::text as starts_at,
        ends_at::text as ends_at,
        opened_by_event_id::text as opened_by_event_id,
        opened_by_event_type::text as opened_by_event_type,
        opened_by_event_at::timestamp with time zone as opened_by_event_at,
        opened_by_file_name::text as opened_by_file_name,
        opened_by_line_number::integer as opened_by_line_number,
        closed_by_event_id::text as closed_by_event_id,
        closed_by_event_type::text as closed_by_event_type,
        closed_by_event_at::timestamp with time zone as closed_by_event_at,
        closed_by_file_name::text as closed_by_file_name,
        closed_by_line_number::integer as closed_by_line_number,
        price_version_id::text as price_version_id,
        price_effective_from::date as price_effective_from,
        price_unit_price::numeric as price_unit_price,
        price_idle_unit_price::numeric as price_idle_unit_price,
        price_file_name::text as price_file_name,
        price_line_number::integer as price_line_number
    from invoice_line_spans_explained
)

select * from final
