-- L2, order stream vs billing (rules §6.3): the compared counts that are breaks, one row per break with
-- its type. The control totals must equal the distinct events landed: fewer landed is a shortfall
-- (lost events), more an excess (duplication).
{%- set tolerance_events = 0 %}  {#- rules §6.3: the counts "must equal" #}

with compared_counts as (
    select * from {{ ref('int_recon_l2_compared_counts') }}
),

typed as (
    select
        *,
        case
            when expected - actual > {{ tolerance_events }} then 'count_shortfall'
            when actual - expected > {{ tolerance_events }} then 'count_excess'
        end as break_type
    from compared_counts
),

final as (
    select
        'L2_ORDERSTREAM_VS_BILLING'::text as recon_level,
        break_type::text as break_type,
        {{ recon_break_columns() }}
    from typed
    where break_type is not null
)

select * from final
