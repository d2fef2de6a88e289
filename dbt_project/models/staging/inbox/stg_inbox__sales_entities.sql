with source as (
    select * from {{ source('inbox', 'sales_entities') }}
),

final as (
    select
        file_id,
        line_number,
        snapshot_date,
        country,
        legal_name,
        address,
        tax_registration_id
    from source
)

select * from final
