{{ config(materialized='table') }}

-- L3, finance vs order stream: one row per (billing_period, account_id) of every period that the
-- bill run has closed and for which finance's posting has landed, lining up finance's posted
-- revenue with the total of the SO invoice this platform issued (adjustment lines included).
-- expected is the invoice total, actual the posted revenue, 0 on a side without the account.
-- Which rows are breaks (zero tolerance) is marts/interface/recon_l3_breaks. The invoices are the
-- ledger's (stg_billing__invoices, as fct_invoices publishes them: total = the sum of the rounded lines).
-- Revenue excludes tax (rules §9): the invoice's net amount, never its gross.
with inbox_files as (
    select * from {{ ref('int_recon_inbox_files') }}
),

finance_rows as (
    select * from {{ ref('stg_inbox__finance_gl') }}
),

closed_periods as (
    select * from {{ ref('stg_billing__closed_periods') }}
),

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

finance_files as (
    select * from inbox_files
    where file_kind = 'finance_gl' and is_in_force and is_loaded
),

compared_periods as (
    select
        closed_periods.billing_period,
        min(finance_files.file_name) as finance_file_name
    from closed_periods
    inner join finance_files on closed_periods.billing_period = finance_files.business_date
    group by closed_periods.billing_period
),

finance_lines as (
    select
        finance_rows.billing_period,
        finance_rows.account_id,
        min(finance_rows.currency) as currency,
        count(distinct finance_rows.currency) as currency_count,
        sum(finance_rows.posted_revenue) as posted_revenue,
        min(finance_rows.line_number) as line_number
    from finance_rows
    inner join finance_files on finance_rows.file_id = finance_files.file_id
    inner join compared_periods on finance_rows.billing_period = compared_periods.billing_period
    group by finance_rows.billing_period, finance_rows.account_id
),

platform_lines as (
    select
        invoices.billing_period,
        invoices.account_id,
        min(invoices.currency) as currency,
        sum(coalesce(invoices.net_amount, invoices.total_amount)) as total_amount,
        string_agg(invoices.invoice_id, ', ' order by invoices.invoice_id) as invoice_ids
    from invoices
    inner join compared_periods on invoices.billing_period = compared_periods.billing_period
    where invoices.tenant = 'SO'
    group by invoices.billing_period, invoices.account_id
),

compared as (
    select
        coalesce(platform_lines.billing_period, finance_lines.billing_period) as billing_period,
        coalesce(platform_lines.account_id, finance_lines.account_id) as account_id,
        coalesce(platform_lines.currency, finance_lines.currency) as currency,
        platform_lines.currency as platform_currency,
        finance_lines.currency as finance_currency,
        finance_lines.line_number as finance_line_number,
        platform_lines.invoice_ids,
        coalesce(platform_lines.total_amount, 0) as expected,
        coalesce(finance_lines.posted_revenue, 0) as actual,
        platform_lines.billing_period is not null as in_platform,
        finance_lines.billing_period is not null as in_finance,
        coalesce(finance_lines.currency_count > 1 or finance_lines.currency <> platform_lines.currency, false)
            as currency_differs
    from platform_lines
    full outer join finance_lines
        on
            platform_lines.billing_period = finance_lines.billing_period
            and platform_lines.account_id = finance_lines.account_id
),

final as (
    select
        {{ recon_break_shape({
            'break_key': "to_char(compared.billing_period, 'YYYY-MM') || '|' || compared.account_id",
            'business_date': 'compared.billing_period',
            'account_id': 'compared.account_id',
            'currency': 'compared.currency',
            'expected': 'trim_scale(compared.expected)',
            'actual': 'trim_scale(compared.actual)',
            'difference': 'trim_scale(compared.actual - compared.expected)',
            'file_name': 'compared_periods.finance_file_name',
            'line_number': 'compared.finance_line_number',
            'detail': "'period ' || to_char(compared.billing_period, 'YYYY-MM') || ': SO invoice '
                || case when compared.in_platform
                    then compared.invoice_ids || ' total ' || trim_scale(compared.expected) || ' '
                        || compared.platform_currency
                    else 'none' end
                || ', finance posted '
                || case when compared.in_finance
                    then trim_scale(compared.actual) || ' ' || compared.finance_currency else 'nothing' end
                || ' (' || compared_periods.finance_file_name || ')'",
        }) }},
        power(10::numeric, -coalesce(currencies.minor_units, 2)) as minor_unit,
        compared.in_platform,
        compared.in_finance,
        compared.currency_differs,
        compared.invoice_ids
    from compared
    inner join compared_periods on compared.billing_period = compared_periods.billing_period
    left join currencies on compared.currency = currencies.currency
)

select * from final
