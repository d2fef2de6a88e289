-- One row per SKU of the catalogue: its attributes from the latest accepted upload that has it
-- (rules §2.1: a SKU's name, category, charge_type and unit are the same on all its rows).

with catalog_prices as (
    select * from {{ ref('stg_inbox__catalog_prices') }}
),

ranked as (
    select
        *,
        row_number() over (partition by sku order by file_id desc, line_number desc) as recency_rank
    from catalog_prices
),

final as (
    select
        sku,
        product_name,
        category,
        charge_type,
        unit,
        file_id,
        line_number
    from ranked
    where recency_rank = 1
)

select * from final
