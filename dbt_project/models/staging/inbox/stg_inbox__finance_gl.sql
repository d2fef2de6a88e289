with source as (
    select * from {{ source('inbox', 'finance_gl') }}
),

final as (
    select
        file_id,
        line_number,
        period as billing_period,
        account_id,
        currency,
        posted_revenue
    from source
)

select * from final
