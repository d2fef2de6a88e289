{{ config(materialized='table', indexes=[{'columns': ['account_id']}]) }}

-- Charges accrued in every period the ledger has not closed, per tenant, account and SKU, as rated by
-- this build (docs/pricing.md): the regular lines the bill run would issue now (int_invoice_lines_due,
-- each rounded once), summed per SKU. The rating rates every open span up to the build's clock
-- var('as_of'), so the charges run from the period's start to its high-water mark: the clock, or the
-- period's end once the clock has passed it (a period in its grace). Adjustments of closed periods are
-- not accrued charges of an open period and are left out. Rebuilt by every build; the published
-- marts.fct_unbilled_revenue drops a period as soon as the bill run closes it.

with lines_due as (
    select * from {{ ref('int_invoice_lines_due') }}
),

periods as (
    select * from {{ ref('int_billing_periods_enumerated') }}
),

order_events as (
    select * from {{ ref('stg_inbox__order_events') }}
),

landed as (
    select max(event_at) as latest_event_at from order_events
),

open_periods as (
    select
        billing_period,
        least(rated_through_at, period_end_at) as high_water_at,
        rated_through_at
    from periods
    where not is_closed
),

-- One open period at a time (lateral, not flattened: offset 0), so that the period reaches the rated rows'
-- billing_period index as a parameter: a build reads the open months only, never the whole history
-- (offset 0 is that optimisation fence, not a row limit).
due as (
    select
        open_periods.high_water_at,
        open_periods.rated_through_at,
        period_lines.*
    from open_periods
    cross join lateral (
        select
            lines_due.tenant,
            lines_due.billing_period,
            lines_due.account_id,
            lines_due.sku,
            lines_due.currency,
            lines_due.amount,
            lines_due.amount_exact
        from lines_due
        where lines_due.billing_period = open_periods.billing_period
        offset 0  -- noqa: AM09
    ) as period_lines
),

final as (
    select
        due.tenant,
        due.billing_period,
        due.account_id,
        due.sku,
        due.currency,
        sum(due.amount) as amount,
        sum(due.amount_exact) as amount_exact,
        count(*)::integer as line_count,
        due.high_water_at,
        due.rated_through_at,
        landed.latest_event_at
    from due
    cross join landed
    group by
        due.tenant, due.billing_period, due.account_id, due.sku, due.currency, due.high_water_at,
        due.rated_through_at, landed.latest_event_at
)

select * from final
