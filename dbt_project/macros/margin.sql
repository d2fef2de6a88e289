{#- Margin figures of the finance marts (docs/rules.md §7). -#}

{#- margin / revenue to 6 decimals (round half away from zero); null where revenue is 0 or unknown. -#}
{% macro margin_pct(margin, revenue) -%}
    case when ({{ revenue }}) <> 0 then round(({{ margin }}) / ({{ revenue }}), 6) end
{%- endmacro %}

{#-
    The rows of fct_margin_monthly (relation: the caller's import CTE of it) summed per period, dimensions
    (a list of its columns) and currency, in that currency and in USD. A (period, currency) has one rate,
    so the USD figures of a group are all there or all null (rate missing). The last column counts the
    group's rows: count_name, count_expression (by default its distinct accounts).
-#}
{% macro margin_by(dimensions, relation='margin', count_name='account_count',
                   count_expression='count(distinct account_id)') -%}
    select
        billing_period,
        {%- for dimension in dimensions %}
        {{ dimension }},
        {%- endfor %}
        currency,
        sum(revenue) as revenue,
        sum(cost) as cost,
        sum(margin) as margin,
        {{ margin_pct('sum(margin)', 'sum(revenue)') }} as margin_pct,
        sum(revenue_usd) as revenue_usd,
        sum(cost_usd) as cost_usd,
        sum(margin_usd) as margin_usd,
        {{ count_expression }} as {{ count_name }}
    from {{ relation }}
    group by billing_period, {{ dimensions | join(', ') }}, currency
{%- endmacro %}
