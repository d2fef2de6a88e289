{#-
    Catch-all grants for the BI reader roles (docs/bi.md), for dbt_project.yml's on-run-end:
    billing_finance reads every relation in marts (whoever created it), billing_sales_office
    reads schema marts_sales. Every finance model also carries its own `grants` config, and the
    bootstrap's default privileges cover relations the dbt role creates later. Not a post-hook:
    GRANT ON ALL TABLES would race other threads that are replacing tables.
-#}
{% macro grants_marts_readers() -%}
    grant usage on schema marts to billing_finance;
    grant select on all tables in schema marts to billing_finance;
    grant usage on schema marts_sales to billing_sales_office;
    grant select on all tables in schema marts_sales to billing_sales_office;
{%- endmacro %}
