with source as (
    select * from {{ source('whatif', 'proposed_prices') }}
),

final as (
    select
        scenario,
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
        effective_from
    from source
)

select * from final
