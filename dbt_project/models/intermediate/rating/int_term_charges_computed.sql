{{ config(
    materialized='table',
    indexes=[{'columns': ['account_id', 'usage_date']}],
    pre_hook="{{ speed_settings() }}",
    post_hook="{{ analyze_this() }}",
) }}

-- Point-in-time charges (rules §4.4-4.6), per tenant, from the resource's component-set changes
-- (every applied CREATE and MODIFY, and DECOMMISSION, which leaves no component):
--   annual    a term starts when (resource, sku) first appears with a quantity and renews every
--             12 months, same day and time, clamped to the month's last day (Postgres month
--             arithmetic from the first start: 29 Feb renews on 28 Feb, and on 29 Feb in leap
--             years), while the resource is not decommissioned. At a term start the quantity then in
--             force is charged and is the term's high-water mark; within the term each rise above the
--             mark charges the difference at that instant;
--   one_time  the same high-water rule over the resource's whole life.
-- Nothing is refunded. The charges are due whatever the state (running, suspended, stopped), until
-- DECOMMISSION. Each charge uses the unit_price in force at its instant; without one it is unpriced
-- (is_priced = false). Only charges at or before the clock var('as_of') exist yet.

with sequenced as (
    select * from {{ ref('int_order_events_sequenced') }}
),

accounts as (
    select * from {{ ref('int_accounts_resolved') }}
),

skus as (
    select * from {{ ref('int_skus_resolved') }}
),

prices as (
    select * from {{ ref('int_prices_versioned') }}
),

tenants as (
    select tenant from (values ('HO'), ('SO')) as tenant_list (tenant)
),

price_keys as (
    select distinct
        sku,
        tenant,
        currency
    from prices
),

clock as (
    select {{ utc("'" ~ var('as_of') ~ "'::timestamptz") }} as as_of_ts
),

-- Every applied change of a resource's component set; DECOMMISSION sets it to nothing.
set_changes as (
    select
        resource_id,
        owner_account_id as account_id,
        {{ utc('event_at') }} as change_ts,
        resource_event_number,
        case when event_type = 'DECOMMISSION' then '[]'::jsonb else components_after end as components
    from sequenced
    where is_applied and event_type in ('CREATE', 'MODIFY', 'DECOMMISSION')
),

resource_skus as (
    select distinct
        set_changes.resource_id,
        set_changes.account_id,
        components.element ->> 'sku' as sku,
        skus.charge_type
    from set_changes
    cross join lateral jsonb_array_elements(set_changes.components) as components (element)
    inner join skus on components.element ->> 'sku' = skus.sku
    where skus.charge_type in ('annual', 'one_time')
),

decommissions as (
    select
        resource_id,
        min(change_ts) as decommissioned_ts
    from set_changes
    where components = '[]'::jsonb
    group by resource_id
),

-- The quantity of each such sku at each change (0 where the set does not have it).
quantity_points as (
    select
        resource_skus.resource_id,
        resource_skus.account_id,
        resource_skus.sku,
        resource_skus.charge_type,
        set_changes.change_ts,
        set_changes.resource_event_number,
        coalesce((
            select sum((components.element ->> 'quantity')::numeric)
            from jsonb_array_elements(set_changes.components) as components (element)
            where components.element ->> 'sku' = resource_skus.sku
        ), 0) as quantity
    from resource_skus
    inner join set_changes on resource_skus.resource_id = set_changes.resource_id
),

anchors as (
    select
        quantity_points.resource_id,
        quantity_points.sku,
        min(quantity_points.change_ts) as anchor_ts
    from quantity_points
    where quantity_points.charge_type = 'annual' and quantity_points.quantity > 0
    group by quantity_points.resource_id, quantity_points.sku
),

terms as (
    select
        anchors.resource_id,
        anchors.sku,
        term_numbers.term_number,
        anchors.anchor_ts + make_interval(years => term_numbers.term_number) as term_start,
        anchors.anchor_ts + make_interval(years => term_numbers.term_number + 1) as term_end
    from anchors
    cross join clock
    left join decommissions on anchors.resource_id = decommissions.resource_id
    cross join
        lateral generate_series(
            0, extract(year from age(greatest(clock.as_of_ts, anchors.anchor_ts), anchors.anchor_ts))::integer
        ) as term_numbers (term_number)
    where
        anchors.anchor_ts + make_interval(years => term_numbers.term_number)
        < coalesce(decommissions.decommissioned_ts, 'infinity')
),

-- The quantity in force at each term start: that of the last change at or before it (set-based: every
-- change up to the start, ranked latest first).
term_start_candidates as (
    select
        terms.resource_id,
        terms.sku,
        terms.term_number,
        terms.term_start,
        quantity_points.quantity,
        row_number() over (
            partition by terms.resource_id, terms.sku, terms.term_number
            order by quantity_points.change_ts desc, quantity_points.resource_event_number desc
        ) as recency
    from terms
    left join quantity_points
        on
            terms.resource_id = quantity_points.resource_id
            and terms.sku = quantity_points.sku
            and terms.term_start >= quantity_points.change_ts
),

-- Annual: the quantity in force at each term start, then every change strictly inside the term.
annual_points as (
    select
        term_start_candidates.resource_id,
        term_start_candidates.sku,
        'annual' as charge_type,
        term_start_candidates.term_number,
        term_start_candidates.term_start,
        term_start_candidates.term_start as point_ts,
        0 as point_order,
        term_start_candidates.quantity
    from term_start_candidates
    where term_start_candidates.recency = 1
    union all
    select
        terms.resource_id,
        terms.sku,
        'annual' as charge_type,
        terms.term_number,
        terms.term_start,
        quantity_points.change_ts as point_ts,
        quantity_points.resource_event_number as point_order,
        quantity_points.quantity
    from terms
    inner join quantity_points
        on
            terms.resource_id = quantity_points.resource_id
            and terms.sku = quantity_points.sku
            and terms.term_start < quantity_points.change_ts
            and terms.term_end > quantity_points.change_ts
),

-- One-time: every change over the resource's life, as one endless term.
one_time_points as (
    select
        resource_id,
        sku,
        'one_time' as charge_type,
        0 as term_number,
        null::timestamp as term_start,
        change_ts as point_ts,
        resource_event_number as point_order,
        quantity
    from quantity_points
    where charge_type = 'one_time'
),

points as (
    select * from annual_points
    union all
    select * from one_time_points
),

high_water as (
    select
        *,
        max(quantity) over (
            partition by resource_id, sku, term_number
            order by point_ts, point_order
            rows between unbounded preceding and current row
        ) as high_water_quantity
    from points
),

increments as (
    select
        *,
        high_water_quantity - coalesce(lag(high_water_quantity) over (
            partition by resource_id, sku, term_number order by point_ts, point_order
        ), 0) as charged_quantity
    from high_water
),

resource_accounts as (
    select distinct
        resource_id,
        account_id
    from resource_skus
),

charges as (
    select
        increments.*,
        resource_accounts.account_id,
        accounts.currency
    from increments
    cross join clock
    inner join resource_accounts
        on increments.resource_id = resource_accounts.resource_id
    inner join accounts on resource_accounts.account_id = accounts.account_id
    where increments.charged_quantity > 0 and increments.point_ts <= clock.as_of_ts
),

final as (
    select
        md5(concat_ws('|', charges.resource_id, charges.sku, tenants.tenant, charges.point_ts, charges.point_order))
            as term_charge_id,
        charges.resource_id,
        charges.account_id,
        tenants.tenant,
        charges.currency,
        charges.sku,
        charges.charge_type,
        'standard' as rate_kind,
        charges.term_number,
        charges.term_start at time zone 'UTC' as term_started_at,
        charges.point_ts at time zone 'UTC' as charged_at,
        charges.point_ts::date as usage_date,
        date_trunc('month', charges.point_ts)::date as billing_period,
        charges.high_water_quantity,
        charges.charged_quantity as quantity,
        prices.price_version_id,
        prices.unit_price,
        1 as denominator,
        charges.charged_quantity as quantity_numerator,
        charges.charged_quantity * prices.unit_price as amount_numerator,
        prices.price_version_id is not null as is_priced,
        case
            when prices.price_version_id is not null then null
            when price_keys.sku is null then 'no_price_for_tenant_and_currency'
            else 'before_first_price'
        end as unpriced_reason
    from charges
    cross join tenants
    left join prices
        on
            charges.sku = prices.sku
            and tenants.tenant = prices.tenant
            and charges.currency = prices.currency
            and {{ utc('prices.effective_from_at') }} <= charges.point_ts
            and coalesce({{ utc('prices.effective_to_at') }}, 'infinity') > charges.point_ts
    left join price_keys
        on
            charges.sku = price_keys.sku
            and tenants.tenant = price_keys.tenant
            and charges.currency = price_keys.currency
)

select * from final
