with source as (
    select * from {{ source('inbox', 'fx_rates') }}
),

final as (
    select
        file_id,
        line_number,
        period as billing_period,
        currency,
        usd_per_unit
    from source
)

select * from final
