with source as (
    select * from {{ source('inbox', 'catalog_prices') }}
),

final as (
    select
        file_id,
        line_number,
        sku,
        product_name,
        category,
        charge_type,
        unit,
        tenant,
        currency,
        unit_price,
        idle_unit_price,
        effective_from as effective_from_date,
        effective_from::timestamp at time zone 'UTC' as effective_from_at
    from source
)

select * from final
