-- The pipeline's own roles (interfaces.md: "The pipeline itself runs as billing_loader (raw landing)
-- and billing_transformer (dbt)"); see docs/operations.md for how logins are made and rotated.
-- Cluster-wide NOLOGIN groups, created once, guarded, tolerant of a concurrent bootstrap of another
-- database. No password is ever set here: a service logs in as a LOGIN member made by the operator
-- (`create role … login in role billing_loader`) whose password lives in .env / an Airflow connection.
-- Give each login `alter role <login> set role billing_transformer` (resp. billing_loader) so what it
-- creates is owned by the group, not by one login, and survives a credential rotation.
--   billing_loader       usage on raw; select/insert/update/delete on raw tables (a newer snapshot
--                        version moves older rows to raw.superseded_rows), usage on raw sequences.
--                        No DDL anywhere, nothing outside raw.
--   billing_transformer  reads raw; creates and writes in staging, intermediate, marts, marts_sales
--                        (dbt); writes the billing ledger (bill run) and audit (reconciliation);
--                        reads whatif (050_whatif.sql grants that). Writes nothing in raw.
-- Applied by warehouse.bootstrap after 040_roles.sql (so the reader grants exist) by the owner role.
do $$
declare
    grp text;
begin
    foreach grp in array array['billing_loader', 'billing_transformer'] loop
        if not exists (select from pg_catalog.pg_roles where rolname = grp) then
            begin
                execute format('create role %I nologin nosuperuser nocreatedb nocreaterole', grp);
            exception when duplicate_object or unique_violation then
                null;  -- another database's bootstrap created it in the meantime
            end;
        end if;
    end loop;
end
$$;

create schema if not exists raw;
create schema if not exists billing;
create schema if not exists audit;
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists marts;
create schema if not exists marts_sales;

-- billing_loader: raw only.
grant usage on schema raw to billing_loader;
grant select, insert, update, delete on all tables in schema raw to billing_loader;
grant usage, select, update on all sequences in schema raw to billing_loader;
alter default privileges in schema raw grant select, insert, update, delete on tables to billing_loader;
alter default privileges in schema raw grant usage, select, update on sequences to billing_loader;

-- billing_transformer: reads raw.
grant usage on schema raw to billing_transformer;
grant select on all tables in schema raw to billing_transformer;
alter default privileges in schema raw grant select on tables to billing_transformer;

-- billing_transformer: the dbt schemas (it owns what it builds there).
grant usage, create on schema staging, intermediate, marts, marts_sales to billing_transformer;
-- dbt's on-run-start (macros/lifecycle_functions.sql) and dbt itself say `create schema if not exists`,
-- which Postgres checks against CREATE on the database even when the schema exists.
do $$
begin
    execute format('grant create on database %I to billing_transformer', current_database());
exception when insufficient_privilege then
    raise warning 'cannot grant CREATE on database % to billing_transformer: grant it as the database owner',
        current_database();
end
$$;

-- billing_transformer: the invoice ledger (only ever inserted) and the reconciliation register.
grant usage on schema billing to billing_transformer;
grant select, insert on all tables in schema billing to billing_transformer;
grant usage, select on all sequences in schema billing to billing_transformer;
alter default privileges in schema billing grant select, insert on tables to billing_transformer;
alter default privileges in schema billing grant usage, select on sequences to billing_transformer;
grant usage on schema audit to billing_transformer;
grant select, insert, update on all tables in schema audit to billing_transformer;
grant usage, select on all sequences in schema audit to billing_transformer;
alter default privileges in schema audit grant select, insert, update on tables to billing_transformer;
alter default privileges in schema audit grant usage, select on sequences to billing_transformer;

-- The BI readers see what billing_transformer builds (040_roles.sql does the same once the role exists;
-- on the very first bootstrap it does not yet, so it is repeated here).
do $$
begin
    if pg_catalog.pg_has_role(current_user, 'billing_transformer', 'USAGE') then
        execute 'alter default privileges for role billing_transformer in schema marts '
                'grant select on tables to billing_finance';
        execute 'alter default privileges for role billing_transformer in schema marts_sales '
                'grant select on tables to billing_sales_office';
    end if;
end
$$;
