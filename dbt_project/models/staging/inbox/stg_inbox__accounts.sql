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
        created_at
    from source
)

select * from final
