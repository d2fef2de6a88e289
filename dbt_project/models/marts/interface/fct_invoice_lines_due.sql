-- A contracted view of int_invoice_lines_taxed for Python (models/marts/interface/_exposures.yml).

with invoice_lines_taxed as (
    select * from {{ ref('int_invoice_lines_taxed') }}
),

final as (
    select
        invoice_id::text as invoice_id,
        line_number::bigint as line_number,
        tenant::text as tenant,
        account_id::text as account_id,
        billing_period::date as billing_period,
        sku::text as sku,
        charge_type::text as charge_type,
        rate_kind::text as rate_kind,
        unit_price::numeric as unit_price,
        quantity::numeric as quantity,
        currency::text as currency,
        amount::numeric as amount,
        amount_exact::numeric as amount_exact,
        adjusted_period::date as adjusted_period,
        tax_name::text as tax_name,
        tax_rate::numeric as tax_rate,
        is_reverse_charge::boolean as is_reverse_charge,
        rate_effective_from_date::date as tax_effective_from_date
    from invoice_lines_taxed
)

select * from final
