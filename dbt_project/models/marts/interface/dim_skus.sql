-- A contracted view of int_skus_resolved for Python (models/marts/interface/_exposures.yml).

with skus_resolved as (
    select * from {{ ref('int_skus_resolved') }}
),

final as (
    select
        sku::text as sku,
        product_name::text as product_name,
        category::text as category,
        charge_type::text as charge_type,
        unit::text as unit
    from skus_resolved
)

select * from final
