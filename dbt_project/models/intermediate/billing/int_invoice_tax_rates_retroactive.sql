-- Tax snapshots that came too late (rules §9): the issued SO lines whose tax treatment the current tax table
-- would now give otherwise, per period of the rate (the line's tax point) and country. Issued invoices keep
-- what they were issued with; only adjustment lines issued after the snapshot take the new rate.

with issued_lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

issued_invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

tax_rates as (
    select * from {{ ref('int_tax_rates_current') }}
),

located as (
    select
        issued_lines.invoice_id,
        issued_lines.tax_name,
        issued_lines.tax_rate,
        issued_invoices.country,
        issued_invoices.customer_tax_id,
        date_trunc('month', issued_lines.line_key_period)::date as rate_period,
        (date_trunc('month', issued_lines.line_key_period) + interval '1 month - 1 day')::date as tax_point_date
    from issued_lines
    inner join issued_invoices on issued_lines.invoice_id = issued_invoices.invoice_id
    where issued_lines.tenant = 'SO' and issued_lines.tax_rate is not null
),

compared as (
    select
        located.*,
        tax_rates.tax_name as current_tax_name,
        case
            when tax_rates.is_reverse_charge and located.customer_tax_id is not null then 0::numeric
            else tax_rates.rate
        end as current_tax_rate,
        tax_rates.snapshot_date
    from located
    left join tax_rates
        on
            located.country = tax_rates.country
            and located.tax_point_date >= tax_rates.effective_from_date
            and located.tax_point_date <= coalesce(tax_rates.effective_to_date, 'infinity'::date)
),

final as (
    select
        rate_period,
        country,
        tax_name,
        tax_rate as issued_rate,
        current_tax_name,
        current_tax_rate,
        max(snapshot_date) as snapshot_date,
        count(*) as line_count,
        count(distinct invoice_id) as invoice_count
    from compared
    where (tax_name, tax_rate) is distinct from (current_tax_name, current_tax_rate)
    group by rate_period, country, tax_name, tax_rate, current_tax_name, current_tax_rate
)

select * from final
