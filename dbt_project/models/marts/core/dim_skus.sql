-- The catalogue's SKUs, one row each, as of the latest price list: what a BI user needs to read a SKU code
-- (product name, category, charge type, the catalogue's unit and its FOCUS unit). Python reads it too
-- (invoice preview, rendering, explain: models/marts/interface/_exposures.yml).

with skus_resolved as (
    select * from {{ ref('int_skus_resolved') }}
),

focus_units as (
    select * from {{ ref('int_skus_focus_units') }}
),

final as (
    select
        skus_resolved.sku::text as sku,
        skus_resolved.product_name::text as product_name,
        skus_resolved.category::text as category,
        skus_resolved.charge_type::text as charge_type,
        skus_resolved.unit::text as unit,
        focus_units.focus_unit::text as focus_unit,
        focus_units.is_normalised::boolean as is_focus_unit_normalised
    from skus_resolved
    inner join focus_units on skus_resolved.sku = focus_units.sku
)

select * from final
