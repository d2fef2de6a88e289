-- A contracted view of int_fx_rates_missing for Python (models/marts/interface/_exposures.yml).

with fx_rates_missing as (
    select * from {{ ref('int_fx_rates_missing') }}
),

final as (
    select
        billing_period::date as billing_period,
        currency::text as currency,
        line_count::bigint as line_count,
        account_count::bigint as account_count,
        revenue::numeric as revenue,
        cost::numeric as cost,
        detail::text as detail
    from fx_rates_missing
)

select * from final
