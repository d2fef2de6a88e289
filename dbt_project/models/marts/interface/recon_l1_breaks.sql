-- L1, primary vs secondary billing (rules §6.2): the compared daily lines that are breaks, one row per
-- break with its type. A line on one side only is missing on the other; a line on both sides breaks
-- when the currencies differ or the amounts differ by more than the tolerance.
{%- set tolerance_minor_units = 1 %}  {#- rules §6.2: "differing by more than one minor unit" #}

with compared_lines as (
    select * from {{ ref('int_recon_l1_compared_lines') }}
),

typed as (
    select
        *,
        case
            when in_primary and not in_platform then 'missing_in_platform'
            when in_platform and not in_primary then 'missing_in_primary'
            when currency_differs or abs(difference) > {{ tolerance_minor_units }} * minor_unit
                then 'amount_mismatch'
        end as break_type
    from compared_lines
),

final as (
    select
        'L1_PRIMARY_VS_SECONDARY'::text as recon_level,
        break_type::text as break_type,
        {{ recon_break_columns() }}
    from typed
    where break_type is not null
)

select * from final
