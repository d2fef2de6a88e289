-- The invoices the bill run issues when it closes a period: one per (tenant, account) with at least
-- one line; the total is the sum of its rounded lines (adjustments included). An SO invoice is also a legal
-- document (rules §9): net = that total, the tax of its groups (int_invoice_taxes_computed), gross = net + tax,
-- the account's payment terms and tax_id, and the issuer of its country (the latest sales-entity snapshot).
-- HO invoices are internal cost statements: no tax (gross = net), no terms, no issuer.

with taxed_lines as (
    select * from {{ ref('int_invoice_lines_taxed') }}
),

invoice_taxes as (
    select * from {{ ref('int_invoice_taxes_computed') }}
),

accounts as (
    select * from {{ ref('int_accounts_resolved') }}
),

sales_entities as (
    select * from {{ ref('int_sales_entities_current') }}
),

invoices as (
    select
        invoice_id,
        tenant,
        account_id,
        billing_period,
        currency,
        sum(amount) as total_amount,
        count(*) as line_count,
        count(*) filter (where adjusted_period is not null) as adjustment_line_count,
        count(*) filter (where tenant = 'SO' and tax_name is null) as untaxed_line_count,
        coalesce(bool_or(is_reverse_charge), false) as has_reverse_charge
    from taxed_lines
    group by invoice_id, tenant, account_id, billing_period, currency
),

taxes as (
    select
        invoice_id,
        sum(tax_amount) as tax_amount
    from invoice_taxes
    group by invoice_id
),

final as (
    select
        invoices.invoice_id,
        invoices.tenant,
        invoices.account_id,
        invoices.billing_period,
        invoices.currency,
        invoices.total_amount,
        invoices.line_count,
        invoices.adjustment_line_count,
        accounts.country,
        invoices.total_amount as net_amount,
        coalesce(taxes.tax_amount, 0) as tax_amount,
        invoices.total_amount + coalesce(taxes.tax_amount, 0) as gross_amount,
        case when invoices.tenant = 'SO' then accounts.payment_terms_days end as payment_terms_days,
        case when invoices.tenant = 'SO' then sales_entities.legal_name end as issuer_legal_name,
        case when invoices.tenant = 'SO' then sales_entities.address end as issuer_address,
        case when invoices.tenant = 'SO' then sales_entities.tax_registration_id end as issuer_tax_registration_id,
        case when invoices.tenant = 'SO' then accounts.tax_id end as customer_tax_id,
        invoices.has_reverse_charge,
        invoices.tenant = 'SO' and invoices.untaxed_line_count > 0 as is_missing_tax_rate,
        invoices.tenant = 'SO' and sales_entities.country is null as is_missing_issuer
    from invoices
    left join taxes on invoices.invoice_id = taxes.invoice_id
    left join accounts on invoices.account_id = accounts.account_id
    left join sales_entities on accounts.country = sales_entities.country
)

select * from final
