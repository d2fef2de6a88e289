{#-
    The rating's charges in one shape (docs/explain.md): the time-metered pieces of int_usage_spans_priced
    union all the annual / one-time charges of int_term_charges_computed, the priced ones (is_priced=true:
    what the rating sums) or the ones no price applied to (is_priced=false). The one place that says what a
    charge is; int_usage_rated_daily, int_rated_charges_unioned and int_pricing_charges_rerated read it.

    columns: the charge columns wanted, in order. A column of `kinds` below is its usage piece's and its term
    charge's expression; any other column is read by its own name from both.
    usage_pieces, term_charges: the caller's import CTEs (a plain select list over them, so that the caller's
    filters, e.g. the incremental rating's re-rating scopes, are pushed into both tables).
-#}
{% macro rating_charges(columns, usage_pieces='usage_pieces', term_charges='term_charges', is_priced=true) -%}
{%- set kinds = {
    'charge_id': ('usage_piece_id', 'term_charge_id'),
    'charge_kind': ("'usage_piece'", "'term_charge'"),
    'state': ('state', 'null::text'),
    'usage_from_at': ('usage_from_at', 'charged_at'),
    'usage_to_at': ('usage_to_at', 'charged_at'),
    'seconds': ('seconds', 'null::numeric'),
    'term_number': ('null::integer', 'term_number'),
    'term_started_at': ('null::timestamptz', 'term_started_at'),
    'high_water_quantity': ('null::numeric', 'high_water_quantity'),
} -%}
{%- for relation in [usage_pieces, term_charges] %}
    {%- set side = loop.index0 %}
    select
    {%- for column in columns %}
        {%- set expression = kinds.get(column, (column, column))[side] %}
        {%- if ':' not in expression and "'" not in expression %}
        {{ relation }}.{{ expression }}{{ ' as ' ~ column if expression != column }}{{ ',' if not loop.last }}
        {%- else %}
        {{ expression }} as {{ column }}{{ ',' if not loop.last }}
        {%- endif %}
    {%- endfor %}
    from {{ relation }}
    where {{ '' if is_priced else 'not ' }}{{ relation }}.is_priced
    {%- if loop.first %}
    union all
    {%- endif %}
{%- endfor %}
{%- endmacro %}
