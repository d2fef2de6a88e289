-- The tax of each SO invoice of the periods not closed yet, per tax group (rules §9): the lines with the same
-- tax name, rate and reverse charge; tax = round(sum of their amounts x rate), half away from zero, once per
-- group, to the currency's minor units (a negative sum gives a negative tax).

with taxed_lines as (
    select * from {{ ref('int_invoice_lines_taxed') }}
),

currencies as (
    select distinct
        currency,
        minor_units
    from {{ ref('currencies') }}
),

tax_groups as (
    select
        invoice_id,
        account_id,
        billing_period,
        currency,
        tax_name,
        tax_rate as rate,
        is_reverse_charge,
        sum(amount) as taxable_amount,
        count(*) as line_count,
        min(tax_point_date) as first_tax_point_date,
        max(tax_point_date) as last_tax_point_date
    from taxed_lines
    where tenant = 'SO' and tax_name is not null
    group by invoice_id, account_id, billing_period, currency, tax_name, tax_rate, is_reverse_charge
),

final as (
    select
        tax_groups.*,
        {{ round_money('tax_groups.taxable_amount * tax_groups.rate', 'currencies.minor_units') }} as tax_amount
    from tax_groups
    inner join currencies on tax_groups.currency = currencies.currency
)

select * from final
