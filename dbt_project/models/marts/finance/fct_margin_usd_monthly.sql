-- Consolidated margin in USD per period: the whole platform, and each country, category and SKU
-- across all currencies (rules §7). A total that would include any amount without a USD
-- rate is null, not partial: missing_fx_currencies names what is missing (int_fx_rates_missing).
with margin as (
    select * from {{ ref('fct_margin_monthly') }}
),

grouped as (
    select
        billing_period,
        case
            when grouping(country) = 0 then 'country'
            when grouping(category) = 0 then 'category'
            when grouping(sku) = 0 then 'sku'
            else 'total'
        end as dimension,
        case
            when grouping(country) = 0 then country
            when grouping(category) = 0 then category
            when grouping(sku) = 0 then sku
            else 'all'
        end as dimension_value,
        sum(revenue_usd) as revenue_usd_known,
        sum(cost_usd) as cost_usd_known,
        bool_and(usd_per_unit is not null) as is_usd_complete,
        string_agg(distinct currency, ',' order by currency) filter (where usd_per_unit is null)
            as missing_fx_currencies,
        string_agg(distinct currency, ',' order by currency) as currencies,
        count(distinct account_id) as account_count
    from margin
    group by grouping sets (
        (billing_period),
        (billing_period, country),
        (billing_period, category),
        (billing_period, sku)
    )
),

final as (
    select
        billing_period,
        dimension,
        dimension_value,
        case when is_usd_complete then revenue_usd_known end as revenue_usd,
        case when is_usd_complete then cost_usd_known end as cost_usd,
        case when is_usd_complete then revenue_usd_known - cost_usd_known end as margin_usd,
        case
            when is_usd_complete then {{ margin_pct('revenue_usd_known - cost_usd_known', 'revenue_usd_known') }}
        end as margin_pct,
        is_usd_complete,
        missing_fx_currencies,
        currencies,
        account_count
    from grouped
)

select * from final
