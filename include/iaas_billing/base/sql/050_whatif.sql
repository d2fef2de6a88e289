-- What-if pricing scenarios (docs/pricing.md): written only by `iaas-billing whatif`
-- (iaas_billing.jobs.whatif), never by dbt and never read by the regular pipeline, so neither
-- `dbt build` nor `dbt build --full-refresh` can change or lose a scenario. dbt reads these tables
-- through source('whatif', ...): the models in models/intermediate/pricing compute a scenario's
-- figures, the command copies them into scenario_results in the same transaction as the proposed
-- prices, and marts.rpt_pricing_whatif publishes them.
-- Applied by warehouse.bootstrap after 040_roles.sql; every statement is idempotent.
create schema if not exists whatif;

-- One row per scenario (its name); re-running a name deletes the old rows (cascade) and writes new ones.
create table if not exists whatif.scenarios (
    scenario text primary key,
    billing_period date not null,
    catalog_file text not null,
    catalog_sha256 text not null,
    proposed_row_count integer not null,
    created_at timestamptz not null,
    constraint scenario_name_given check (length(btrim(scenario)) > 0 and length(scenario) <= 100),
    constraint scenario_period_is_first_of_month check (billing_period = date_trunc('month', billing_period)::date)
);

-- The proposed price list as uploaded (catalog_*.csv format), one price per (sku, tenant, currency).
create table if not exists whatif.proposed_prices (
    scenario text not null references whatif.scenarios (scenario) on delete cascade,
    line_number integer not null,
    sku text not null,
    product_name text not null,
    category text not null,
    charge_type text not null,
    unit text not null,
    tenant text not null,
    currency text not null,
    unit_price numeric(24, 6) not null,
    idle_unit_price numeric(24, 6) not null,
    effective_from date not null,
    primary key (scenario, line_number),
    unique (scenario, sku, tenant, currency),
    constraint proposed_charge_type_known check (charge_type in ('hourly', 'monthly', 'annual', 'one_time')),
    constraint proposed_tenant_known check (tenant in ('HO', 'SO')),
    constraint proposed_prices_not_negative check (unit_price >= 0 and idle_unit_price >= 0)
);

-- A scenario's figures per account and SKU, copied from intermediate.int_pricing_whatif_account_skus.
create table if not exists whatif.scenario_results (
    scenario text not null references whatif.scenarios (scenario) on delete cascade,
    billing_period date not null,
    account_id text not null,
    country text,
    sku text not null,
    category text,
    currency text not null,
    revenue_current numeric not null,
    revenue_proposed numeric not null,
    cost_current numeric not null,
    cost_proposed numeric not null,
    revenue_issued numeric not null,
    cost_issued numeric not null,
    line_count_current integer not null,
    line_count_proposed integer not null,
    primary key (scenario, account_id, sku)
);

-- dbt reads the scenarios (the pricing models select from them); where it runs as billing_transformer,
-- that role may read them. Nobody but the command's role writes them.
do $$
begin
    if exists (select from pg_catalog.pg_roles where rolname = 'billing_transformer') then
        execute 'grant usage on schema whatif to billing_transformer';
        execute 'grant select on all tables in schema whatif to billing_transformer';
    end if;
end
$$;
