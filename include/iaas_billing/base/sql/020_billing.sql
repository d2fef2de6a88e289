-- The issued-invoice ledger: written only by the bill run (iaas_billing.jobs.billrun), never by dbt, so
-- `dbt build --full-refresh` cannot change or lose an issued invoice. Rows are only ever inserted.
-- Applied by warehouse.bootstrap after 010_raw.sql; every statement is idempotent.
create schema if not exists billing;

-- One row per closed billing period: the bill run inserts it in the same transaction as the
-- period's invoices, so a period is either closed with all its invoices or not closed at all.
create table if not exists billing.closed_periods (
    billing_period date primary key,
    closed_at timestamptz not null,
    invoice_count integer not null,
    line_count integer not null,
    adjustment_line_count integer not null,
    constraint period_is_first_of_month check (billing_period = date_trunc('month', billing_period)::date)
);

-- One row per issued invoice: one per (tenant, account, period) with at least one line.
create table if not exists billing.invoices (
    invoice_id text primary key,
    tenant text not null,
    account_id text not null,
    billing_period date not null references billing.closed_periods (billing_period) deferrable initially deferred,
    currency text not null,
    total_amount numeric not null,
    line_count integer not null,
    issued_at timestamptz not null,
    unique (tenant, account_id, billing_period),
    constraint invoice_number_format check (invoice_id ~ '^(HO|SO)-[0-9]{6}-[0-9]{6}$')
);

-- One row per issued invoice line; adjustment lines carry the period they adjust.
create table if not exists billing.invoice_lines (
    invoice_id text not null references billing.invoices (invoice_id),
    line_number integer not null,
    tenant text not null,
    account_id text not null,
    billing_period date not null,
    sku text not null,
    charge_type text not null,
    rate_kind text not null,
    unit_price numeric not null,
    quantity numeric not null,
    currency text not null,
    amount numeric not null,
    amount_exact numeric,
    adjusted_period date,
    issued_at timestamptz not null,
    primary key (invoice_id, line_number),
    constraint one_line_per_key unique nulls not distinct
        (tenant, account_id, billing_period, sku, charge_type, rate_kind, unit_price, adjusted_period),
    constraint rate_kind_known check (rate_kind in ('standard', 'idle')),
    constraint adjusts_an_earlier_period check (adjusted_period is null or adjusted_period < billing_period)
);
create index if not exists invoice_lines_key_idx
    on billing.invoice_lines (tenant, account_id, coalesce(adjusted_period, billing_period));

-- Lineage of every issued line ("every number explained", docs/explain.md): per line and contributing
-- resource, the exact numerators of the line's key as rated when the line was issued, over the key's
-- denominator (3600, the month's seconds, or 1). For an adjustment line they are the re-rated key (its
-- amount is round(sum / denominator) minus what was billed before for the key), not the difference.
-- Written by the bill run in the same transaction as the lines, copied from the dbt model
-- intermediate.int_invoice_line_sources_live. No foreign key to invoice_lines: one trigger call per row
-- (a 100,000-resource month writes about a million rows); the bill run writes both together and the dbt
-- tests on int_invoice_line_derivations check on every build that each line's sources reconstruct it.
create table if not exists billing.invoice_line_sources (
    invoice_id text not null,
    line_number integer not null,
    resource_id text not null,
    denominator numeric not null,
    quantity_numerator numeric not null,
    amount_numerator numeric not null,
    charge_count integer not null,
    first_usage_at timestamptz not null,
    last_usage_at timestamptz not null,
    primary key (invoice_id, line_number, resource_id),
    constraint denominator_positive check (denominator > 0)
);

-- closed_periods.lineage_source_rows: the invoice_line_sources rows written when the period was closed;
-- null for a period closed before lineage was kept (its lines cannot be explained from the ledger).
do $$
begin
    if not exists (select 1 from information_schema.columns where table_schema = 'billing'
                   and table_name = 'closed_periods' and column_name = 'lineage_source_rows') then
        alter table billing.closed_periods add column lineage_source_rows bigint;
    end if;
end
$$;

-- Legal invoices (rules §9). What an SO invoice was issued with stays on it: its net, tax and gross, its
-- payment terms, its issuer and the customer's tax registration, as the bill run copied them from
-- marts.fct_invoices_due when it closed the period. Null on invoices issued before §9 (and the issuer and
-- tax columns on HO cost statements). due_date is derived (fct_invoices): issued_at's UTC date + terms.
alter table billing.invoices
    add column if not exists country text,
    add column if not exists net_amount numeric,
    add column if not exists tax_amount numeric,
    add column if not exists gross_amount numeric,
    add column if not exists payment_terms_days integer,
    add column if not exists issuer_legal_name text,
    add column if not exists issuer_address text,
    add column if not exists issuer_tax_registration_id text,
    add column if not exists customer_tax_id text;

-- The tax treatment each SO line was issued with (null on HO lines and on lines issued before §9).
alter table billing.invoice_lines
    add column if not exists tax_name text,
    add column if not exists tax_rate numeric,
    add column if not exists is_reverse_charge boolean,
    add column if not exists tax_effective_from_date date;

-- One row per issued SO invoice and tax group (tax name, rate, reverse charge): the tax is rounded once per
-- group, half away from zero, to the currency's minor units. Written with the invoices, never changed.
create table if not exists billing.invoice_taxes (
    invoice_id text not null references billing.invoices (invoice_id),
    tax_name text not null,
    rate numeric not null,
    is_reverse_charge boolean not null,
    taxable_amount numeric not null,
    tax_amount numeric not null,
    issued_at timestamptz not null,
    primary key (invoice_id, tax_name, rate, is_reverse_charge),
    constraint rate_is_fraction check (rate >= 0 and rate <= 1),
    constraint reverse_charge_untaxed check (not is_reverse_charge or (rate = 0 and tax_amount = 0))
);
