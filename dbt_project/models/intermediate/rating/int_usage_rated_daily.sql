{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    indexes=[
        {'columns': ['account_id', 'usage_date']},
        {'columns': ['billing_period']},
        {'columns': ['usage_date']},
    ],
    pre_hook=["{{ speed_settings(work_mem='1GB') }}", "{{ delete_rerated_account_days() }}"],
    post_hook="{{ analyze_this() }}",
) }}

-- depends_on: {{ ref('int_rerating_scopes_detected') }}

-- The exact charges of every (tenant, account, sku, UTC day, rate kind, unit_price): sums of the
-- numerators of the priced charges (macro rating_charges: the time-metered pieces and the annual /
-- one-time charges) that fall on that day, with the sku's denominator for that month (3600, the
-- month's seconds, or 1). Only priced usage;
-- the sums are exact (nothing is divided or rounded here). Both the daily lines
-- (fct_rated_usage_daily) and the invoice lines (int_invoice_lines_rated) are sums of these rows.
-- Incremental: this build's re-rating scopes, as (account, days from rerate_from_date).

with usage_pieces as (
    select * from {{ ref('int_usage_spans_priced') }}
),

term_charges as (
    select * from {{ ref('int_term_charges_computed') }}
),

{% if is_incremental() %}
scopes as (
    {{ current_rerating_scopes_by_account() }}
),
{% endif %}

charges as (
    {{ rating_charges([
        'tenant', 'account_id', 'currency', 'sku', 'charge_type', 'usage_date', 'billing_period', 'rate_kind',
        'unit_price', 'denominator', 'quantity_numerator', 'amount_numerator',
    ]) }}
),

scoped as (
    select charges.*
    from charges
    {% if is_incremental() -%}
    inner join scopes
        on charges.account_id = scopes.account_id and charges.usage_date >= scopes.rerate_from_date
    -- the re-rating floor as a range: always true here, it lets the usage_date indexes serve the re-read
    where
        charges.usage_date
        between (select min(floor_scopes.rerate_from_date) from scopes as floor_scopes) and 'infinity'
    {%- endif %}
),

final as (
    select
        md5(concat_ws('|', tenant, account_id, sku, usage_date, rate_kind, unit_price)) as usage_day_id,
        tenant,
        account_id,
        currency,
        sku,
        charge_type,
        usage_date,
        billing_period,
        rate_kind,
        unit_price,
        denominator,
        sum(quantity_numerator) as quantity_numerator,
        sum(amount_numerator) as amount_numerator
    from scoped
    -- usage_date first: a sorted aggregate then leaves the rows in usage_date order, with no second sort
    group by usage_date, tenant, account_id, currency, sku, charge_type, billing_period, rate_kind, unit_price, denominator
)

-- written in usage_date order: the day ranges the hourly builds delete and re-read are contiguous
select * from final
order by usage_date
