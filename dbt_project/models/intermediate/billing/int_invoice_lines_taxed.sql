-- Each line of the periods not closed yet with its tax treatment (rules §9). An SO line is taxed at the rate
-- of its account's country in force on the last day of the period its charges belong to (the line's own
-- period, or the period an adjustment line adjusts): the current table's row with the greatest effective_from
-- on or before that day. Reverse charge (the row says so and the account has a tax_id): rate 0. An SO line
-- with no row in force has no tax_name: its period cannot be closed (int_invoice_tax_gaps). HO lines are
-- internal cost, never taxed: their tax columns are null.

with numbered_lines as (
    select * from {{ ref('int_invoice_lines_numbered') }}
),

accounts as (
    select * from {{ ref('int_accounts_resolved') }}
),

tax_rates as (
    select * from {{ ref('int_tax_rates_current') }}
),

located as (
    select
        numbered_lines.*,
        accounts.country,
        accounts.tax_id as customer_tax_id,
        (
            date_trunc('month', coalesce(numbered_lines.adjusted_period, numbered_lines.billing_period))
            + interval '1 month - 1 day'
        )::date as tax_point_date
    from numbered_lines
    left join accounts on numbered_lines.account_id = accounts.account_id
),

final as (
    select
        located.*,
        tax_rates.tax_name,
        tax_rates.rate as statutory_rate,
        tax_rates.effective_from_date as rate_effective_from_date,
        case
            when located.tenant = 'SO' and tax_rates.country is not null
                then tax_rates.is_reverse_charge and located.customer_tax_id is not null
        end as is_reverse_charge,
        case
            when tax_rates.is_reverse_charge and located.customer_tax_id is not null then 0::numeric
            else tax_rates.rate
        end as tax_rate
    from located
    left join tax_rates
        on
            located.tenant = 'SO'
            and located.country = tax_rates.country
            and located.tax_point_date >= tax_rates.effective_from_date
            and located.tax_point_date <= coalesce(tax_rates.effective_to_date, 'infinity'::date)
)

select * from final
