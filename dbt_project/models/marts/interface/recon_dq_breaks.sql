-- Data quality (rules §6.5): every data-quality issue known now is a break, its issue type the break type.
-- The tax tables' issues (rules §9) come from int_recon_tax_issues.
with issues as (
    select * from {{ ref('int_recon_dq_issues') }}
),

tax_issues as (
    select * from {{ ref('int_recon_tax_issues') }}
),

all_issues as (
    select * from issues
    union all
    select * from tax_issues
),

final as (
    select
        'DATA_QUALITY'::text as recon_level,
        issue_type::text as break_type,
        {{ recon_break_columns() }}
    from all_issues
)

select * from final
