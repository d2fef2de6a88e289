-- What keeps a period from being closed (rules §9): per period not closed yet and country with SO lines due
-- on its invoices, a missing rate (lines with no rate in force on their tax point) or a missing issuer (no
-- sales entity for the country). The bill run closes a period only when it has no row here.

with taxed_lines as (
    select * from {{ ref('int_invoice_lines_taxed') }}
),

sales_entities as (
    select * from {{ ref('int_sales_entities_current') }}
),

by_country as (
    select
        billing_period,
        country,
        count(*) as line_count,
        count(distinct invoice_id) as invoice_count,
        count(*) filter (where tax_name is null) as untaxed_line_count,
        count(distinct invoice_id) filter (where tax_name is null) as untaxed_invoice_count,
        min(tax_point_date) filter (where tax_name is null) as first_untaxed_date,
        max(tax_point_date) filter (where tax_name is null) as last_untaxed_date
    from taxed_lines
    where tenant = 'SO'
    group by billing_period, country
),

missing_rates as (
    select
        billing_period,
        country,
        'missing_tax_rate' as gap_type,
        untaxed_line_count as line_count,
        untaxed_invoice_count as invoice_count,
        'period ' || to_char(billing_period, 'YYYY-MM') || ' is not closed: no tax rate for '
        || coalesce(country, '(no country)') || ' in force on '
        || case
            when first_untaxed_date = last_untaxed_date then first_untaxed_date::text
            else first_untaxed_date::text || ' and ' || last_untaxed_date::text
        end
        || ' (' || untaxed_line_count || ' SO line(s) on ' || untaxed_invoice_count || ' invoice(s));'
        || ' it closes at the first bill run after a tax_rates snapshot gives one' as detail
    from by_country
    where untaxed_line_count > 0
),

missing_issuers as (
    select
        by_country.billing_period,
        by_country.country,
        'missing_issuer' as gap_type,
        by_country.line_count,
        by_country.invoice_count,
        'period ' || to_char(by_country.billing_period, 'YYYY-MM') || ' is not closed: no sales entity issues '
        || coalesce(by_country.country, '(no country)') || '''s invoices (' || by_country.invoice_count
        || ' SO invoice(s));'
        || ' it closes at the first bill run after a sales_entities snapshot names one' as detail
    from by_country
    left join sales_entities on by_country.country = sales_entities.country
    where sales_entities.country is null
),

final as (
    select * from missing_rates
    union all
    select * from missing_issuers
)

select * from final
