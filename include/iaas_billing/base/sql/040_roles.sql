-- BI reader roles (interfaces.md "Roles for readers"); see docs/bi.md and docs/finance.md.
-- Roles are cluster-wide: created once, guarded, and tolerant of a concurrent bootstrap of another
-- database. They are NOLOGIN groups: a person or a BI tool logs in as a member. No password is set here.
--   billing_finance       reads everything in schema marts, nothing else, writes nothing.
--   billing_sales_office  reads schema marts_sales only: views of the SO tenant's rows without any
--                         cost or margin column (dbt models in models/marts/finance/sales_office/),
--                         and row-level security on the marts tables with a tenant column.
do $$
declare
    reader text;
begin
    foreach reader in array array['billing_finance', 'billing_sales_office'] loop
        if not exists (select from pg_catalog.pg_roles where rolname = reader) then
            begin
                execute format('create role %I nologin', reader);
            exception when duplicate_object or unique_violation then
                null;  -- another database's bootstrap created it in the meantime
            end;
        end if;
    end loop;
end
$$;

-- The BI tool's logins (docs/bi.md): one LOGIN member of each reader group, no password here (the embedded
-- warehouse trusts its Unix socket; on a shared server an administrator sets one outside the repository).
do $$
declare
    login text;
    reader text;
begin
    for login, reader in values ('bi_finance', 'billing_finance'), ('bi_sales_office', 'billing_sales_office') loop
        if not exists (select from pg_catalog.pg_roles where rolname = login) then
            begin
                execute format('create role %I login in role %I', login, reader);
            exception when duplicate_object or unique_violation then
                null;  -- another database's bootstrap created it in the meantime
            end;
        end if;
    end loop;
end
$$;

create schema if not exists marts;
create schema if not exists marts_sales;

-- Nothing by default: a reader role sees only what is granted below.
revoke all on schema marts_sales from public;

grant usage on schema marts to billing_finance;
grant select on all tables in schema marts to billing_finance;
grant usage on schema marts_sales to billing_sales_office;

-- dbt drops and recreates every table and view it builds: default privileges grant select on
-- whatever the role that runs dbt creates in marts from now on. The bootstrapping role is the
-- one that runs dbt locally and in tests; in production dbt runs as billing_transformer.
alter default privileges in schema marts grant select on tables to billing_finance;
alter default privileges in schema marts_sales grant select on tables to billing_sales_office;
do $$
begin
    if exists (select from pg_catalog.pg_roles where rolname = 'billing_transformer')
       and pg_catalog.pg_has_role(current_user, 'billing_transformer', 'USAGE') then
        execute 'alter default privileges for role billing_transformer in schema marts '
                'grant select on tables to billing_finance';
        execute 'alter default privileges for role billing_transformer in schema marts_sales '
                'grant select on tables to billing_sales_office';
    end if;
end
$$;
