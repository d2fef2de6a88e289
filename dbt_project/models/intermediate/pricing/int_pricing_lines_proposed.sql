-- The invoice lines each what-if scenario would have issued for its period (rules §5 on the
-- proposed rates), one row per (scenario, tenant, account, sku, charge_type, rate_kind, unit_price),
-- unit_price being the proposed rate applied, beside the lines at the prices that applied that it
-- regroups. Both sides follow int_invoice_lines_rated: a line's exact amount is the sum of its
-- numerators divided once by the sku's denominator for the month, rounded once, half away from zero, to
-- the currency's minor units, and a line whose exact amount is zero is not a line. A current line is one
-- row of int_pricing_charges_rerated (its grain is the current line key); a (sku, tenant, currency) the
-- scenario lists has one proposed rate per rate kind, so its current lines (one per price version) fall
-- into one proposed line; the others keep their lines. Both come from one pass over the period's rows.

with charges as (
    select * from {{ ref('int_pricing_charges_rerated') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

current_lines as (
    select
        charges.*,
        currencies.minor_units,
        case
            when charges.is_priced and charges.current_amount_numerator <> 0
                then {{ round_money(exact_divide('charges.current_amount_numerator', 'charges.current_denominator'),
                                    'currencies.minor_units') }}
        end as current_amount
    from charges
    inner join currencies on charges.currency = currencies.currency
),

summed as (
    select
        scenario,
        tenant,
        account_id,
        billing_period,
        sku,
        charge_type,
        rate_kind,
        proposed_unit_price as unit_price,
        currency,
        minor_units,
        proposed_denominator as denominator,
        bool_or(is_proposed) as is_proposed,
        sum(quantity_numerator) as quantity_numerator,
        sum(proposed_amount_numerator) as amount_numerator,
        coalesce(sum(current_amount), 0) as current_amount,
        count(current_amount)::integer as current_line_count
    from current_lines
    group by
        scenario, tenant, account_id, billing_period, sku, charge_type, rate_kind, proposed_unit_price, currency,
        minor_units, proposed_denominator
),

final as (
    select
        scenario,
        tenant,
        account_id,
        billing_period,
        sku,
        charge_type,
        rate_kind,
        unit_price,
        is_proposed,
        round({{ exact_divide('quantity_numerator', 'denominator') }}, 6) as quantity,
        currency,
        minor_units,
        {{ exact_divide('amount_numerator', 'denominator') }} as amount_exact,
        case
            when amount_numerator <> 0
                then {{ round_money(exact_divide('amount_numerator', 'denominator'), 'minor_units') }}
            else 0
        end as amount,
        coalesce(amount_numerator <> 0, false) as is_line,
        current_amount,
        current_line_count
    from summed
    where coalesce(amount_numerator, 0) <> 0 or current_line_count > 0
)

select * from final
