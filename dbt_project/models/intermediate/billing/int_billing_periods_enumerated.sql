-- The billing periods the bill run knows of: every month from the first month with an order event
-- to the month of the clock var('as_of') (or of the latest event, if later), whether it is closed,
-- and the clock the rating was built at (the bill run closes M only from a rating built through
-- the end of M). Rule 5.1: M is due once its end plus the grace (var('grace_hours'), BILLING_GRACE_HOURS) has
-- passed: due_at. is_due says so at this build's clock; the bill run, whose clock may be later than the
-- last build's, asks for the open periods with due_at at or before its own clock.

with order_events as (
    select * from {{ ref('stg_inbox__order_events') }}
),

closed_periods as (
    select * from {{ ref('stg_billing__closed_periods') }}
),

clock as (
    select '{{ var("as_of") }}'::timestamptz as rated_through_at
),

grace as (
    select interval '1 hour' * {{ var("grace_hours") }}::float8 as grace
),

bounds as (
    select
        min(date_trunc('month', {{ utc('order_events.event_at') }})) as first_month,
        greatest(
            max(date_trunc('month', {{ utc('order_events.event_at') }})),
            date_trunc('month', max({{ utc('clock.rated_through_at') }}))
        ) as last_month
    from order_events
    cross join clock
),

months as (
    select months.month_start::date as billing_period
    from bounds
    cross join lateral generate_series(bounds.first_month, bounds.last_month, interval '1 month')
        as months (month_start)
),

periods as (
    select
        months.billing_period,
        (months.billing_period + interval '1 month')::timestamp at time zone 'UTC' as period_end_at,
        closed_periods.billing_period is not null as is_closed,
        closed_periods.closed_at
    from months
    left join closed_periods on months.billing_period = closed_periods.billing_period
),

final as (
    select
        periods.billing_period,
        periods.period_end_at,
        periods.period_end_at + grace.grace as due_at,
        not periods.is_closed and periods.period_end_at + grace.grace <= clock.rated_through_at as is_due,
        periods.is_closed,
        periods.closed_at,
        clock.rated_through_at
    from periods
    cross join clock
    cross join grace
)

select * from final
