-- A contracted view of int_billing_periods_enumerated for Python (models/marts/interface/_exposures.yml).

with billing_periods_enumerated as (
    select * from {{ ref('int_billing_periods_enumerated') }}
),

final as (
    select
        billing_period::date as billing_period,
        period_end_at::timestamp with time zone as period_end_at,
        due_at::timestamp with time zone as due_at,
        is_due::boolean as is_due,
        is_closed::boolean as is_closed,
        closed_at::timestamp with time zone as closed_at,
        rated_through_at::timestamp with time zone as rated_through_at
    from billing_periods_enumerated
)

select * from final
