-- How every invoice line key's charges arise, from current knowledge (docs/explain.md): one row per
-- resource x span of constant state, component quantity and price version inside the key's period
-- (the day pieces of int_usage_spans_priced merged back), or per annual / one-time charge. Each row
-- names what bounds it: the events that open and close the resource's span (event id, type, time,
-- inbox file and line), a price change, the period's edges or the clock; and the price version
-- applied (effective_from, upload file and line). Its numerators sum, over the key's rows, to
-- int_invoice_line_sources_live. A view for explain, read filtered on the line key and resource_id:
-- the CTEs read more than once are `not materialized`, so those filters reach the rating tables' indexes.

with charges as not materialized (
    select * from {{ ref('int_rated_charges_unioned') }}
),

intervals as (
    select * from {{ ref('int_resource_intervals_derived') }}
),

sequenced as (
    select * from {{ ref('int_order_events_sequenced') }}
),

order_events as (
    select * from {{ ref('stg_inbox__order_events') }}
),

prices as (
    select * from {{ ref('int_prices_versioned') }}
),

inbox_files as not materialized (
    select * from {{ ref('stg_inbox__inbox_files') }}
),

bounded_intervals as (
    select
        resource_id,
        resource_interval_id,
        interval_number,
        valid_from,
        valid_to,
        opened_by_event_id,
        lead(opened_by_event_id) over (partition by resource_id order by valid_from) as closed_by_event_id
    from intervals
),

metered_spans as (
    select
        charges.tenant,
        charges.account_id,
        charges.billing_period,
        charges.sku,
        charges.charge_type,
        charges.rate_kind,
        charges.unit_price,
        charges.currency,
        charges.denominator,
        charges.resource_id,
        charges.charge_kind,
        charges.price_version_id,
        charges.state,
        charges.quantity,
        bounded_intervals.resource_interval_id,
        bounded_intervals.valid_from as interval_from_at,
        bounded_intervals.valid_to as interval_to_at,
        bounded_intervals.opened_by_event_id,
        bounded_intervals.closed_by_event_id,
        null::integer as term_number,
        null::timestamptz as term_started_at,
        null::numeric as high_water_quantity,
        min(charges.usage_from_at) as span_from_at,
        max(charges.usage_to_at) as span_to_at,
        sum(charges.seconds) as seconds,
        sum(charges.quantity_numerator) as quantity_numerator,
        sum(charges.amount_numerator) as amount_numerator,
        count(*) as charge_count
    from charges
    inner join bounded_intervals
        on
            charges.resource_id = bounded_intervals.resource_id
            and charges.usage_from_at >= bounded_intervals.valid_from
            and (bounded_intervals.valid_to is null or charges.usage_from_at < bounded_intervals.valid_to)
    where charges.charge_kind = 'usage_piece'
    group by
        charges.tenant, charges.account_id, charges.billing_period, charges.sku, charges.charge_type,
        charges.rate_kind, charges.unit_price, charges.currency, charges.denominator, charges.resource_id,
        charges.charge_kind, charges.price_version_id, charges.state, charges.quantity,
        bounded_intervals.resource_interval_id, bounded_intervals.valid_from, bounded_intervals.valid_to,
        bounded_intervals.opened_by_event_id, bounded_intervals.closed_by_event_id
),

-- an annual / one-time charge falls at a component-set change (the applied CREATE / MODIFY at that
-- instant) or at an annual term's renewal (no event)
term_charges as (
    select
        charges.tenant,
        charges.account_id,
        charges.billing_period,
        charges.sku,
        charges.charge_type,
        charges.rate_kind,
        charges.unit_price,
        charges.currency,
        charges.denominator,
        charges.resource_id,
        charges.charge_kind,
        charges.price_version_id,
        charges.state,
        charges.quantity,
        null::text as resource_interval_id,
        null::timestamptz as interval_from_at,
        null::timestamptz as interval_to_at,
        (
            select sequenced.event_id
            from sequenced
            where
                sequenced.resource_id = charges.resource_id
                and sequenced.event_at = charges.usage_from_at
                and sequenced.is_applied
                and sequenced.event_type in ('CREATE', 'MODIFY')
            order by sequenced.resource_event_number desc
            limit 1
        ) as opened_by_event_id,
        null::text as closed_by_event_id,
        charges.term_number,
        charges.term_started_at,
        charges.high_water_quantity,
        charges.usage_from_at as span_from_at,
        charges.usage_to_at as span_to_at,
        charges.seconds,
        charges.quantity_numerator,
        charges.amount_numerator,
        1::bigint as charge_count
    from charges
    where charges.charge_kind = 'term_charge'
),

spans as (
    select * from metered_spans
    union all
    select * from term_charges
),

located_events as not materialized (
    select
        order_events.event_id,
        order_events.event_type,
        order_events.event_at,
        inbox_files.file_name,
        order_events.line_number
    from order_events
    inner join inbox_files on order_events.file_id = inbox_files.file_id
),

final as (
    select
        spans.tenant,
        spans.account_id,
        spans.billing_period,
        spans.sku,
        spans.charge_type,
        spans.rate_kind,
        spans.unit_price,
        spans.currency,
        spans.denominator,
        spans.resource_id,
        spans.charge_kind,
        spans.state,
        spans.quantity,
        spans.span_from_at,
        spans.span_to_at,
        spans.seconds,
        spans.quantity_numerator,
        spans.amount_numerator,
        spans.charge_count,
        spans.term_number,
        spans.term_started_at,
        spans.high_water_quantity,
        spans.resource_interval_id,
        case
            when spans.charge_kind = 'term_charge'
                then case when spans.opened_by_event_id is null then 'term_renewal' else 'event' end
            when spans.span_from_at = spans.interval_from_at then 'event'
            when spans.span_from_at = prices.effective_from_at then 'price_change'
            when spans.span_from_at = spans.billing_period::timestamp at time zone 'UTC' then 'period_start'
            else 'other'
        end as starts_at,
        case
            when spans.charge_kind = 'term_charge' then null
            when spans.span_to_at = spans.interval_to_at then 'event'
            when spans.span_to_at = prices.effective_to_at then 'price_change'
            when spans.span_to_at = (spans.billing_period + interval '1 month')::timestamp at time zone 'UTC'
                then 'period_end'
            else 'clock'
        end as ends_at,
        spans.opened_by_event_id,
        opened.event_type as opened_by_event_type,
        opened.event_at as opened_by_event_at,
        opened.file_name as opened_by_file_name,
        opened.line_number as opened_by_line_number,
        spans.closed_by_event_id,
        closed.event_type as closed_by_event_type,
        closed.event_at as closed_by_event_at,
        closed.file_name as closed_by_file_name,
        closed.line_number as closed_by_line_number,
        spans.price_version_id,
        prices.effective_from_date as price_effective_from,
        prices.unit_price as price_unit_price,
        prices.idle_unit_price as price_idle_unit_price,
        price_files.file_name as price_file_name,
        prices.line_number as price_line_number
    from spans
    left join prices on spans.price_version_id = prices.price_version_id
    left join inbox_files as price_files on prices.file_id = price_files.file_id
    left join located_events as opened on spans.opened_by_event_id = opened.event_id
    left join located_events as closed on spans.closed_by_event_id = closed.event_id
)

select * from final
