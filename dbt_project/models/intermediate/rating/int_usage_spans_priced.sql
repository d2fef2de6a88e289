{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    indexes=[
        {'columns': ['resource_id', 'usage_date']},
        {'columns': ['account_id', 'usage_date']},
        {'columns': ['is_priced']},
    ],
    pre_hook=["{{ speed_settings() }}", "{{ delete_rerated_resource_days() }}"],
    post_hook="{{ analyze_this() }}",
) }}

-- depends_on: {{ ref('int_rerating_scopes_detected') }}

-- Time-metered charges (hourly and monthly SKUs, rules §4): every component of every
-- billable span, per tenant, split at every event (the spans), every price version and every UTC
-- day (hence every month), up to the clock var('as_of'). Each piece carries exact numerators over a
-- denominator common to its sku and month (docs/decisions.md): 3600 for hourly, the seconds of the
-- month for monthly, so that a line's exact amount is sum(amount_numerator) / denominator.
-- Pieces for which no price applies are kept with is_priced = false (unpriced usage, never charged
-- as zero); they become priced pieces once a price covering them is uploaded.
-- Incremental: only this build's re-rating scopes (resource, days from rerate_from_date).

with component_spans as (
    select * from {{ ref('int_component_spans_expanded') }}
),

skus as (
    select * from {{ ref('int_skus_resolved') }}
),

prices as (
    select * from {{ ref('int_prices_versioned') }}
),

{% if is_incremental() %}
scopes as (
    {{ current_rerating_scopes_by_resource() }}
),
{% endif %}

tenants as (
    select tenant from (values ('HO'), ('SO')) as tenant_list (tenant)
),

clock as (
    select {{ utc("'" ~ var('as_of') ~ "'::timestamptz") }} as as_of_ts
),

clipped_spans as (
    select
        component_spans.resource_id,
        component_spans.account_id,
        component_spans.currency,
        component_spans.state,
        component_spans.sku,
        component_spans.quantity,
        {{ utc('component_spans.valid_from') }} as span_from,
        least({{ utc('component_spans.valid_to') }}, clock.as_of_ts) as span_to
        {%- if is_incremental() %},
        scopes.rerate_from_date{% endif %}
    from component_spans
    cross join clock
    {%- if is_incremental() %}
    inner join scopes on component_spans.resource_id = scopes.resource_id
    {%- endif %}
    where
        {{ utc('component_spans.valid_from') }}
        < least(coalesce({{ utc('component_spans.valid_to') }}, 'infinity'), clock.as_of_ts)
        {%- if is_incremental() %}
        and coalesce({{ utc('component_spans.valid_to') }}, 'infinity') > scopes.rerate_from_date::timestamp
        {%- endif %}
),

tenant_spans as (
    select
        clipped_spans.*,
        tenants.tenant,
        skus.charge_type
    from clipped_spans
    cross join tenants
    left join skus on clipped_spans.sku = skus.sku
    where skus.charge_type is null or skus.charge_type in ('hourly', 'monthly')
),

first_prices as (
    select
        sku,
        tenant,
        currency,
        min({{ utc('effective_from_at') }}) as first_from
    from prices
    group by sku, tenant, currency
),

priced_pieces as (
    select
        tenant_spans.*,
        prices.price_version_id,
        prices.unit_price,
        prices.idle_unit_price,
        greatest(tenant_spans.span_from, {{ utc('prices.effective_from_at') }}) as piece_from,
        least(tenant_spans.span_to, coalesce({{ utc('prices.effective_to_at') }}, 'infinity')) as piece_to,
        null::text as unpriced_reason
    from tenant_spans
    inner join prices
        on
            tenant_spans.sku = prices.sku
            and tenant_spans.tenant = prices.tenant
            and tenant_spans.currency = prices.currency
            and {{ utc('prices.effective_from_at') }} < tenant_spans.span_to
            and coalesce({{ utc('prices.effective_to_at') }}, 'infinity') > tenant_spans.span_from
),

unpriced_pieces as (
    select
        tenant_spans.*,
        null::text as price_version_id,
        null::numeric as unit_price,
        null::numeric as idle_unit_price,
        tenant_spans.span_from as piece_from,
        least(tenant_spans.span_to, coalesce(first_prices.first_from, 'infinity')) as piece_to,
        case
            when tenant_spans.charge_type is null then 'sku_not_in_catalogue'
            when first_prices.sku is null then 'no_price_for_tenant_and_currency'
            else 'before_first_price'
        end as unpriced_reason
    from tenant_spans
    left join first_prices
        on
            tenant_spans.sku = first_prices.sku
            and tenant_spans.tenant = first_prices.tenant
            and tenant_spans.currency = first_prices.currency
    where first_prices.first_from is null or tenant_spans.span_from < first_prices.first_from
),

pieces as (
    select * from priced_pieces
    union all
    select * from unpriced_pieces
),

day_pieces as (
    select
        pieces.*,
        greatest(pieces.piece_from, days.day_start) as from_ts,
        least(pieces.piece_to, days.day_start + interval '1 day') as to_ts,
        days.day_start::date as usage_date,
        date_trunc('month', days.day_start) as month_start
    from pieces
    cross join
        lateral generate_series(
            date_trunc('day', pieces.piece_from),
            pieces.piece_to - interval '1 microsecond',
            interval '1 day'
        ) as days (day_start)
    where pieces.piece_from < pieces.piece_to
),

rated as (
    select
        *,
        case when state = 'RUNNING' then 'standard' else 'idle' end as rate_kind,
        case when state = 'RUNNING' then unit_price else idle_unit_price end as rate,
        {{ seconds_between('from_ts', 'to_ts') }} as seconds,
        case charge_type
            when 'hourly' then 3600
            when 'monthly' then {{ seconds_between('month_start', "month_start + interval '1 month'") }}
        end as denominator
    from day_pieces
    {%- if is_incremental() %}
    where usage_date >= rerate_from_date
    {%- endif %}
),

final as (
    select
        md5(concat_ws('|', resource_id, sku, tenant, from_ts)) as usage_piece_id,
        resource_id,
        account_id,
        tenant,
        currency,
        sku,
        charge_type,
        state,
        rate_kind,
        quantity,
        price_version_id,
        rate as unit_price,
        from_ts at time zone 'UTC' as usage_from_at,
        to_ts at time zone 'UTC' as usage_to_at,
        usage_date,
        month_start::date as billing_period,
        seconds,
        denominator,
        seconds * quantity as quantity_numerator,
        seconds * quantity * rate as amount_numerator,
        unpriced_reason is null as is_priced,
        unpriced_reason
    from rated
)

-- written in usage_date order: the day ranges the hourly builds delete and re-read are contiguous
select * from final
order by usage_date
