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
        adjustment_line_count::bigint as adjustment_line_count,
        country::text as country,
        net_amount::numeric as net_amount,
        tax_amount::numeric as tax_amount,
        gross_amount::numeric as gross_amount,
        payment_terms_days::integer as payment_terms_days,
        issuer_legal_name::text as issuer_legal_name,
        issuer_address::text as issuer_address,
        issuer_tax_registration_id::text as issuer_tax_registration_id,
        customer_tax_id::text as customer_tax_id,
        has_reverse_charge::boolean as has_reverse_charge,
        is_missing_tax_rate::boolean as is_missing_tax_rate,
        is_missing_issuer::boolean as is_missing_issuer
    from invoices_numbered
)

select * from final
