-- A contracted view of currencies for Python (models/marts/interface/_exposures.yml).

with currencies as (
    select * from {{ ref('currencies') }}
),

final as (
    select
        country::text as country,
        currency::text as currency,
        minor_units::integer as minor_units
    from currencies
)

select * from final
