-- Periods and currencies with issued invoice lines but no rate to USD from finance: each row is a
-- missing_fx_rate DATA_QUALITY break (turned into one by the reconciliation checks). Their USD
-- figures in the margin marts are null until the rate arrives, never zero.
with applied as (
    select * from {{ ref('int_fx_rates_applied') }}
),

final as (
    select
        billing_period,
        currency,
        line_count,
        account_count,
        revenue,
        cost,
        'no usd_per_unit for ' || currency || ' in any fx_rates file for period '
        || to_char(billing_period, 'YYYY-MM') || ' (' || line_count || ' invoice lines, '
        || account_count || ' accounts)' as detail
    from applied
    where usd_per_unit is null
)

select * from final
