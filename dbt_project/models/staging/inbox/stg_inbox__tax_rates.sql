with source as (
    select * from {{ source('inbox', 'tax_rates') }}
),

final as (
    select
        file_id,
        line_number,
        snapshot_date,
        country,
        tax_name,
        rate,
        reverse_charge as is_reverse_charge,
        effective_from as effective_from_date
    from source
)

select * from final
