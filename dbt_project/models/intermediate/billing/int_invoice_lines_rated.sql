{{ config(materialized='table', pre_hook="{{ speed_settings() }}", post_hook="{{ analyze_this() }}") }}

-- Draft invoice lines of every period from current knowledge (rules §5): one row per
-- (tenant, account, period, sku, charge_type, rate_kind, unit_price). The exact amount is the sum of
-- the line's numerators divided once by the sku's denominator for that month; the amount is that
-- rounded once, half away from zero, to the currency's minor units. Quantity: unit-hours,
-- unit-months or units, to 6 decimals. A line whose exact amount is zero is not written.
-- A table, rebuilt by every build right after int_usage_rated_daily (it reads nothing else that changes, not
-- the ledger): the lines due, the adjustments, the invoices, their tests and the bill run read it many times
-- per build, and each read of a view would sum the whole month's daily rows again.

with usage_days as (
    select * from {{ ref('int_usage_rated_daily') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

summed as (
    select
        usage_days.tenant,
        usage_days.account_id,
        usage_days.billing_period,
        usage_days.sku,
        usage_days.charge_type,
        usage_days.rate_kind,
        usage_days.unit_price,
        usage_days.currency,
        usage_days.denominator,
        sum(usage_days.quantity_numerator) as quantity_numerator,
        sum(usage_days.amount_numerator) as amount_numerator
    from usage_days
    group by
        usage_days.tenant, usage_days.account_id, usage_days.billing_period, usage_days.sku,
        usage_days.charge_type, usage_days.rate_kind, usage_days.unit_price, usage_days.currency,
        usage_days.denominator
),

final as (
    select
        concat_ws(
            '|', summed.tenant, summed.account_id, summed.billing_period, summed.sku, summed.charge_type,
            summed.rate_kind, summed.unit_price
        ) as invoice_line_key,
        summed.tenant,
        summed.account_id,
        summed.billing_period,
        summed.sku,
        summed.charge_type,
        summed.rate_kind,
        summed.unit_price,
        round({{ exact_divide('summed.quantity_numerator', 'summed.denominator') }}, 6) as quantity,
        summed.currency,
        currencies.minor_units,
        {{ exact_divide('summed.amount_numerator', 'summed.denominator') }} as amount_exact,
        {{ round_money(exact_divide('summed.amount_numerator', 'summed.denominator'), 'currencies.minor_units') }}
            as amount
    from summed
    inner join currencies on summed.currency = currencies.currency
    where summed.amount_numerator <> 0
)

select * from final
