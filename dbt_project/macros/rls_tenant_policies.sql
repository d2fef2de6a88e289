{#-
    Row-level security on a marts table with a `tenant` column (docs/bi.md): billing_sales_office
    sees only the SO tenant's rows; every other role sees what its privileges allow, as before
    (a permissive policy for all, and a restrictive one that only binds billing_sales_office), so
    the pipeline's own roles are never cut off. dbt recreates tables on every build, so this runs
    as a post-hook of the sales-office view built on the table, and from rls_marts_tenant_tables()
    (dbt_project.yml on-run-end). Views are skipped: Postgres has no row-level security on views;
    the sales office reads no marts view, only the filtered views of schema marts_sales.
-#}
{% macro rls_tenant_policies(relation) -%}
    {%- set found = adapter.get_relation(database=relation.database, schema=relation.schema,
                                         identifier=relation.identifier) -%}
    {%- if found is not none and found.is_table -%}
        {{ rls_tenant_policies_sql(found) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{% macro rls_tenant_policies_sql(relation) -%}
    alter table {{ relation }} enable row level security;
    drop policy if exists all_rows on {{ relation }};
    create policy all_rows on {{ relation }} as permissive for all to public using (true) with check (true);
    drop policy if exists sales_office_so_rows_only on {{ relation }};
    create policy sales_office_so_rows_only on {{ relation }} as restrictive for select
        to billing_sales_office using (tenant = 'SO');
{%- endmacro %}

{#- Every table in marts with a tenant column: for dbt_project.yml's on-run-end. -#}
{% macro rls_marts_tenant_tables() -%}
    {%- if execute -%}
        {%- set found = run_query("select c.table_name from information_schema.columns c join information_schema.tables t using (table_schema, table_name) where c.table_schema = 'marts' and c.column_name = 'tenant' and t.table_type = 'BASE TABLE' order by 1") -%}
        {%- for row in found.rows -%}
            {{ rls_tenant_policies_sql(api.Relation.create(database=target.database, schema='marts', identifier=row[0])) }}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
