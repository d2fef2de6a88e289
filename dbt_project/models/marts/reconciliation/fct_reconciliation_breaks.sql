-- Every break the platform knows of, open or resolved, for finance to read in one place, with its amount
-- at risk in USD at finance's rate of its month (the break's |difference|; USD is 1 without a rate row).
-- Rounded to cents half away from zero per break; the pennies a month's breaks of one level, currency and
-- status lose or gain by rounding one at a time go to the breaks whose rounding moved them most (largest
-- remainder), so that they sum to their rounded group total: the figure the finance pack shows (its
-- "amount at risk" rounds per level and currency), never a cent apart.
with register as (
    select * from {{ ref('stg_audit__reconciliation_breaks') }}
),

fx_rates as (
    select * from {{ ref('int_fx_rates_latest') }}
),

converted as (
    select
        register.*,
        abs(register.difference)
        * coalesce(fx_rates.usd_per_unit, case when register.currency = 'USD' then 1 end) as exact_usd
    from register
    left join fx_rates
        on
            date_trunc('month', register.business_date)::date = fx_rates.billing_period
            and register.currency = fx_rates.currency
),

rounded as (
    select
        *,
        round(exact_usd, 2) as rounded_usd,
        round(sum(exact_usd) over money_group, 2) - sum(round(exact_usd, 2)) over money_group as group_residual,
        row_number() over (money_group order by exact_usd - round(exact_usd, 2) desc, break_id) as rank_up,
        row_number() over (money_group order by exact_usd - round(exact_usd, 2), break_id) as rank_down
    from converted
    window money_group as (
        partition by
            date_trunc('month', business_date), recon_level, currency, status, exact_usd is null
    )
),

final as (
    select
        break_id,
        recon_level,
        break_type,
        business_date,
        account_id,
        sku,
        event_type,
        expected,
        actual,
        difference,
        currency,
        rounded_usd + case
            when group_residual > 0 and rank_up <= group_residual * 100 then 0.01
            when group_residual < 0 and rank_down <= -group_residual * 100 then -0.01
            else 0
        end as amount_usd,
        file_name,
        line_number,
        event_id,
        resource_id,
        status,
        detail,
        detected_at,
        resolved_at,
        last_seen_at,
        times_reopened,
        break_key
    from rounded
)

select * from final
