-- A contracted view of int_rated_usage_daily_sources for Python (models/marts/interface/_exposures.yml).

with rated_usage_daily_sources as (
    select * from {{ ref('int_rated_usage_daily_sources') }}
),

final as (
    select
        tenant::text as tenant,
        usage_date::date as usage_date,
        account_id::text as account_id,
        sku::text as sku,
        currency::text as currency,
        charge_type::text as charge_type,
        denominator::numeric as denominator,
        resource_id::text as resource_id,
        quantity_numerator::numeric as quantity_numerator,
        amount_numerator::numeric as amount_numerator,
        charge_count::bigint as charge_count,
        first_usage_at::timestamp with time zone as first_usage_at,
        last_usage_at::timestamp with time zone as last_usage_at
    from rated_usage_daily_sources
)

select * from final
