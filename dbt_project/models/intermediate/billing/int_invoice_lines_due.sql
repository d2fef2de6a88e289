-- Regular (non-adjustment) lines of every period that the bill run has not closed yet.

with rated_lines as (
    select * from {{ ref('int_invoice_lines_rated') }}
),

closed_periods as (
    select * from {{ ref('stg_billing__closed_periods') }}
),

final as (
    select rated_lines.*
    from rated_lines
    left join closed_periods on rated_lines.billing_period = closed_periods.billing_period
    where closed_periods.billing_period is null
)

select * from final
