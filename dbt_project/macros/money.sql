{#- Exact money arithmetic (docs/decisions.md, "Rating"). -#}

{#-
    numerator / denominator, exact to 30 decimals: the numerator is given scale 30 first so that
    Postgres divides with (at least) 30 decimals instead of its default of about 16 significant digits.
-#}
{% macro exact_divide(numerator, denominator) -%}
    (round(({{ numerator }})::numeric, 30) / ({{ denominator }})::numeric)
{%- endmacro %}

{#- Round once, half away from zero (Postgres round(numeric, n)), to the currency's minor units. -#}
{% macro round_money(amount, minor_units) -%}
    round(({{ amount }})::numeric, {{ minor_units }})
{%- endmacro %}

{#- Seconds between two timestamps (without time zone, UTC wall clock), exact to the microsecond. -#}
{% macro seconds_between(from_ts, to_ts) -%}
    extract(epoch from ({{ to_ts }}) - ({{ from_ts }}))
{%- endmacro %}

{#- A timestamptz as UTC wall-clock timestamp (calendar arithmetic free of the session time zone). -#}
{% macro utc(ts) -%}
    (({{ ts }}) at time zone 'UTC')
{%- endmacro %}
