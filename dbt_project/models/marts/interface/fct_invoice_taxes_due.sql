-- A contracted view of int_invoice_taxes_computed for Python (models/marts/interface/_exposures.yml).

with invoice_taxes as (
    select * from {{ ref('int_invoice_taxes_computed') }}
),

final as (
    select
        invoice_id::text as invoice_id,
        account_id::text as account_id,
        billing_period::date as billing_period,
        currency::text as currency,
        tax_name::text as tax_name,
        rate::numeric as rate,
        is_reverse_charge::boolean as is_reverse_charge,
        taxable_amount::numeric as taxable_amount,
        tax_amount::numeric as tax_amount,
        line_count::bigint as line_count
    from invoice_taxes
)

select * from final
