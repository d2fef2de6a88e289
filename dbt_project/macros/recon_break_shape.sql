{#-
  The break shape of the reconciliation (rules §6.1), written once: the columns every candidate of
  models/intermediate/reconciliation ends in and every break model of models/marts/interface/recon_*
  returns, in this order and with these types (the register audit.reconciliation_breaks has the same).
-#}
{% macro recon_break_shape_columns() -%}
    {{ return([
        ('break_key', 'text'),
        ('business_date', 'date'),
        ('account_id', 'text'),
        ('sku', 'text'),
        ('event_type', 'text'),
        ('currency', 'text'),
        ('expected', 'numeric'),
        ('actual', 'numeric'),
        ('difference', 'numeric'),
        ('file_name', 'text'),
        ('line_number', 'integer'),
        ('event_id', 'text'),
        ('resource_id', 'text'),
        ('detail', 'text'),
    ]) }}
{%- endmacro %}

{#- The select list of the break shape: `columns` maps a column to its SQL expression; a column it does not
    name is `relation.<column>` when a relation is given, else a typed null. Every column is cast to its
    shape type. -#}
{% macro recon_break_shape(columns={}, relation=none) -%}
    {%- set unknown = columns.keys() | reject('in', recon_break_shape_columns() | map('first') | list) | list -%}
    {%- if unknown -%}
        {{ exceptions.raise_compiler_error('recon_break_shape: not break columns: ' ~ unknown | join(', ')) }}
    {%- endif -%}
    {%- for name, data_type in recon_break_shape_columns() %}
        ({{ columns.get(name, relation ~ '.' ~ name if relation else 'null') }})::{{ data_type }} as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The break shape's column names, each prefixed with `relation.` when one is given. -#}
{% macro recon_break_columns(relation=none) -%}
    {%- for name, data_type in recon_break_shape_columns() %}
        {{ relation ~ '.' if relation }}{{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
