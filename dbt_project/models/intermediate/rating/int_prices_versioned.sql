{{ config(materialized='table', indexes=[{'columns': ['sku', 'tenant', 'currency']}]) }}

-- One row per price version (sku, tenant, currency, effective_from): the latest accepted upload of
-- that key wins, and each version applies from its effective_from (00:00 UTC) until the next one's.

with catalog_prices as (
    select * from {{ ref('stg_inbox__catalog_prices') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by sku, tenant, currency, effective_from_date
            order by file_id desc, line_number desc
        ) as upload_rank
    from catalog_prices
),

final as (
    select
        concat_ws('|', sku, tenant, currency, effective_from_date) as price_version_id,
        sku,
        tenant,
        currency,
        unit_price,
        idle_unit_price,
        effective_from_date,
        effective_from_at,
        lead(effective_from_at) over (partition by sku, tenant, currency order by effective_from_at)
            as effective_to_at,
        file_id,
        line_number
    from ranked
    where upload_rank = 1
)

select * from final
