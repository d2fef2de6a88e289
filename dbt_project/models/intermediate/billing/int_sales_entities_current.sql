-- The sales office's issuing entities (rules §9): the rows of the latest snapshot delivered (the greatest
-- snapshot date, then the latest landed), one per country.
with sales_entities as (
    select * from {{ ref('stg_inbox__sales_entities') }}
),

latest_snapshot as (
    select file_id
    from sales_entities
    order by snapshot_date desc, file_id desc
    limit 1
),

final as (
    select
        sales_entities.country,
        sales_entities.legal_name,
        sales_entities.address,
        sales_entities.tax_registration_id,
        sales_entities.snapshot_date,
        sales_entities.file_id
    from sales_entities
    inner join latest_snapshot on sales_entities.file_id = latest_snapshot.file_id
)

select * from final
