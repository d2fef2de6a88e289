with source as (
    select * from {{ source('inbox', 'accounts') }}
),

final as (
    select
        file_id,
        line_number,
        account_id,
        account_name,
        country,
        currency,
        created_at,
        nullif(tax_id, '') as tax_id,
        payment_terms_days
    from source
)

select * from final
