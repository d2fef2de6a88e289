-- One row per billable span (state RUNNING, SUSPENDED or STOPPED) and component of a resource:
-- the sku and quantity in force over [valid_from, valid_to), with the account's currency.

with intervals as (
    select * from {{ ref('int_resource_intervals_derived') }}
),

accounts as (
    select * from {{ ref('int_accounts_resolved') }}
),

final as (
    select
        intervals.resource_interval_id,
        intervals.resource_id,
        intervals.account_id,
        accounts.currency,
        intervals.state,
        intervals.valid_from,
        intervals.valid_to,
        components.element ->> 'sku' as sku,
        (components.element ->> 'quantity')::numeric as quantity
    from intervals
    inner join accounts on intervals.account_id = accounts.account_id
    cross join lateral jsonb_array_elements(intervals.components) as components (element)
    where intervals.state <> 'DECOMMISSIONED'
)

select * from final
