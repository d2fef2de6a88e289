-- Every price version of every SKU, tenant and currency with its validity, for a BI user to read alone:
-- a version applies from valid_from_date (00:00 UTC) until the next version's, valid_to_date (exclusive).

with prices_versioned as (
    select * from {{ ref('int_prices_versioned') }}
),

skus as (
    select * from {{ ref('int_skus_focus_units') }}
),

skus_resolved as (
    select * from {{ ref('int_skus_resolved') }}
),

final as (
    select
        prices_versioned.price_version_id::text as price_version_id,
        prices_versioned.sku::text as sku,
        skus_resolved.product_name::text as product_name,
        skus_resolved.charge_type::text as charge_type,
        skus.focus_unit::text as focus_unit,
        prices_versioned.tenant::text as tenant,
        prices_versioned.currency::text as currency,
        prices_versioned.unit_price::numeric as unit_price,
        prices_versioned.idle_unit_price::numeric as idle_unit_price,
        prices_versioned.effective_from_date::date as valid_from_date,
        (prices_versioned.effective_to_at at time zone 'UTC')::date as valid_to_date,
        prices_versioned.effective_to_at is null as is_latest_version
    from prices_versioned
    left join skus_resolved on prices_versioned.sku = skus_resolved.sku
    left join skus on prices_versioned.sku = skus.sku
)

select * from final
