-- A contracted view of int_invoice_line_sources_live for Python (models/marts/interface/_exposures.yml).

with invoice_line_sources_live as (
    select * from {{ ref('int_invoice_line_sources_live') }}
),

final as (
    select
        invoice_id::text as invoice_id,
        line_number::integer as line_number,
        tenant::text as tenant,
        account_id::text as account_id,
        billing_period::date as billing_period,
        line_key_period::date as line_key_period,
        resource_id::text as resource_id,
        denominator::numeric as denominator,
        quantity_numerator::numeric as quantity_numerator,
        amount_numerator::numeric as amount_numerator,
        charge_count::bigint as charge_count,
        first_usage_at::timestamp with time zone as first_usage_at,
        last_usage_at::timestamp with time zone as last_usage_at
    from invoice_line_sources_live
)

select * from final
