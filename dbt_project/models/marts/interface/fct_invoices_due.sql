-- A contracted view of int_invoices_numbered for Python (models/marts/interface/_exposures.yml).

with invoices_numbered as (
    select * from {{ ref('int_invoices_numbered') }}
),

final as (
    select
        invoice_id::text as invoice_id,
        tenant::text as tenant,
        account_id::text as account_id,
        billing_period::date as billing_period,
        currency::text as currency,
        total_amount::numeric as total_amount,
        line_count::bigint as line_count,
        adjustment_line_count::bigint as adjustment_line_count
    from invoices_numbered
)

select * from final
