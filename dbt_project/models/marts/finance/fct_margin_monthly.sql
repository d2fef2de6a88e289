-- Operating margin per period, account and SKU (rules §7): revenue is the account's issued
-- SO invoice lines, cost its issued HO invoice lines, both in the account's currency. Adjustment
-- lines count in the period of the invoice that carries them (billing_period), not the period
-- they adjust: that is when they are billed, posted and reconciled (L3). USD figures use finance's
-- rate for the period, rounded to cents per row; they are null, never zero, where it is missing.
with invoice_lines as (
    select * from {{ ref('fct_invoice_lines') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

skus as (
    select * from {{ ref('int_skus_resolved') }}
),

rates as (
    select * from {{ ref('int_fx_rates_applied') }}
),

by_key as (
    select
        billing_period,
        account_id,
        sku,
        currency,
        coalesce(sum(amount) filter (where tenant = 'SO'), 0) as revenue,
        coalesce(sum(amount) filter (where tenant = 'HO'), 0) as cost,
        coalesce(sum(amount) filter (where tenant = 'SO' and adjusted_period is not null), 0)
            as revenue_adjustments,
        coalesce(sum(amount) filter (where tenant = 'HO' and adjusted_period is not null), 0)
            as cost_adjustments
    from invoice_lines
    group by billing_period, account_id, sku, currency
),

converted as (
    select
        by_key.*,
        rates.usd_per_unit,
        round(by_key.revenue * rates.usd_per_unit, 2) as revenue_usd,
        round(by_key.cost * rates.usd_per_unit, 2) as cost_usd
    from by_key
    left join rates
        on
            by_key.billing_period = rates.billing_period
            and by_key.currency = rates.currency
),

final as (
    select
        converted.billing_period,
        converted.account_id,
        accounts.country,
        converted.sku,
        skus.category,
        converted.currency,
        converted.revenue,
        converted.cost,
        converted.revenue - converted.cost as margin,
        {{ margin_pct('converted.revenue - converted.cost', 'converted.revenue') }} as margin_pct,
        converted.revenue_usd,
        converted.cost_usd,
        converted.revenue_usd - converted.cost_usd as margin_usd,
        converted.usd_per_unit,
        converted.revenue_adjustments,
        converted.cost_adjustments
    from converted
    left join accounts on converted.account_id = accounts.account_id
    left join skus on converted.sku = skus.sku
)

select * from final
