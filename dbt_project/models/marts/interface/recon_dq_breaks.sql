-- Data quality (rules §6.5): every data-quality issue known now is a break, its issue type the break type.
with issues as (
    select * from {{ ref('int_recon_dq_issues') }}
),

final as (
    select
        'DATA_QUALITY'::text as recon_level,
        issue_type::text as break_type,
        {{ recon_break_columns() }}
    from issues
)

select * from final
