{{ config(materialized='table') }}

-- DATA_QUALITY issues of the tax tables (rules §9), in the break shape. Built with the other reconciliation
-- models, and by the bill run (with recon_dq_breaks) when it refuses a period or resolves such a break:
-- - missing_tax_rate / missing_issuer: per period not closed yet and country, what keeps it from being
--   closed; closing the period after the data arrives resolves the break;
-- - retroactive_tax_rate: a tax snapshot that changes the rate of a period already invoiced; expected = the
--   rate the issued lines carry, actual = the rate the current table gives.

with tax_gaps as (
    select * from {{ ref('int_invoice_tax_gaps') }}
),

retroactive_tax_rates as (
    select * from {{ ref('int_invoice_tax_rates_retroactive') }}
),

gaps as (
    select
        gap_type as issue_type,
        {{ recon_break_shape({
            'break_key': "to_char(billing_period, 'YYYY-MM') || '|' || coalesce(country, '')",
            'business_date': 'billing_period',
            'detail': 'detail',
        }) }}
    from tax_gaps
),

retroactive_described as (
    select
        rate_period,
        issued_rate,
        current_tax_rate,
        to_char(rate_period, 'YYYY-MM') || '|' || coalesce(country, '') || '|' || tax_name
        || '|' || trim_scale(issued_rate) as break_key,
        'the tax table' || coalesce(' of ' || snapshot_date::text, '') || ' gives ' || coalesce(country, '')
        || ' for ' || to_char(rate_period, 'YYYY-MM') || ' '
        || coalesce(current_tax_name || ' ' || trim_scale(current_tax_rate * 100) || ' %', 'no rate') || ', but '
        || invoice_count || ' issued invoice(s) carry ' || tax_name || ' ' || trim_scale(issued_rate * 100) || ' %'
        || ' on ' || line_count || ' line(s): issued invoices keep their tax;'
        || ' only adjustment lines issued from now on take the new rate' as detail
    from retroactive_tax_rates
),

retroactive as (
    select
        'retroactive_tax_rate' as issue_type,
        {{ recon_break_shape({
            'break_key': 'break_key',
            'business_date': 'rate_period',
            'expected': 'issued_rate',
            'actual': 'current_tax_rate',
            'difference': 'current_tax_rate - issued_rate',
            'detail': 'detail',
        }) }}
    from retroactive_described
),

final as (
    select * from gaps
    union all
    select * from retroactive
)

select * from final
