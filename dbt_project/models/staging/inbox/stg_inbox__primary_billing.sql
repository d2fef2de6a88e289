with source as (
    select * from {{ source('inbox', 'primary_billing') }}
),

final as (
    select
        file_id,
        line_number,
        usage_date,
        account_id,
        sku,
        currency,
        amount
    from source
)

select * from final
