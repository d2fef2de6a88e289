-- L3, finance vs order stream (rules §6.4): the compared periods that are breaks, one row per break with
-- its type. An SO invoice finance did not post, revenue finance posted for an account not invoiced, or a
-- posted revenue that is not exactly the invoice total (or in another currency).
{%- set tolerance_minor_units = 0 %}  {#- rules §6.4: posted revenue "must equal" the invoice total #}

with compared_periods as (
    select * from {{ ref('int_recon_l3_compared_periods') }}
),

typed as (
    select
        *,
        case
            when in_platform and not in_finance then 'missing_in_finance'
            when in_finance and not in_platform then 'missing_in_platform'
            when currency_differs or abs(difference) > {{ tolerance_minor_units }} * minor_unit
                then 'amount_mismatch'
        end as break_type
    from compared_periods
),

final as (
    select
        'L3_FINANCE_VS_ORDERSTREAM'::text as recon_level,
        break_type::text as break_type,
        {{ recon_break_columns() }}
    from typed
    where break_type is not null
)

select * from final
