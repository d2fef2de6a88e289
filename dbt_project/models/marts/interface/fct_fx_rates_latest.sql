-- A contracted view of int_fx_rates_latest for Python (models/marts/interface/_exposures.yml).

with fx_rates_latest as (
    select * from {{ ref('int_fx_rates_latest') }}
),

final as (
    select
        billing_period::date as billing_period,
        currency::text as currency,
        usd_per_unit::numeric as usd_per_unit,
        file_id::bigint as file_id,
        file_name::text as file_name
    from fx_rates_latest
)

select * from final
