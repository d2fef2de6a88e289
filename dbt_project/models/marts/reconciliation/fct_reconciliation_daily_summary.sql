-- Per business day, level and currency: lines compared, lines matched, open breaks and the
-- amount at risk (the sum of |difference| of the open breaks with an amount). A line matches
-- when no open break of its level carries its key. Data-quality issues are not lines: for
-- DATA_QUALITY only the breaks are counted. Currency is null where a level has none (L2 counts).
with l1_lines as (
    select * from {{ ref('int_recon_l1_compared_lines') }}
),

l2_lines as (
    select * from {{ ref('int_recon_l2_compared_counts') }}
),

l3_lines as (
    select * from {{ ref('int_recon_l3_compared_periods') }}
),

breaks as (
    select * from {{ ref('fct_reconciliation_breaks') }}
),

compared_lines as (
    select
        'L1_PRIMARY_VS_SECONDARY' as recon_level,
        business_date,
        currency,
        break_key
    from l1_lines
    union all
    select
        'L2_ORDERSTREAM_VS_BILLING' as recon_level,
        business_date,
        currency,
        break_key
    from l2_lines
    union all
    select
        'L3_FINANCE_VS_ORDERSTREAM' as recon_level,
        business_date,
        currency,
        break_key
    from l3_lines
),

open_breaks as (
    select * from breaks
    where status = 'open'
),

line_status as (
    select
        compared_lines.*,
        exists(
            select 1
            from open_breaks
            where
                open_breaks.recon_level = compared_lines.recon_level
                and open_breaks.break_key = compared_lines.break_key
        ) as has_break
    from compared_lines
),

line_counts as (
    select
        recon_level,
        business_date,
        currency,
        count(*) as lines_compared,
        count(*) filter (where not has_break) as lines_matched
    from line_status
    group by recon_level, business_date, currency
),

break_counts as (
    select
        recon_level,
        business_date,
        currency,
        count(*) filter (where status = 'open') as open_breaks,
        count(*) filter (where status = 'resolved') as resolved_breaks,
        sum(abs(difference)) filter (
            where status = 'open' and currency is not null
        ) as amount_at_risk
    from breaks
    where business_date is not null
    group by recon_level, business_date, currency
),

final as (
    select
        coalesce(line_counts.business_date, break_counts.business_date) || '|'
        || coalesce(line_counts.recon_level, break_counts.recon_level) || '|'
        || coalesce(line_counts.currency, break_counts.currency, '-') as summary_key,
        coalesce(line_counts.business_date, break_counts.business_date) as business_date,
        coalesce(line_counts.recon_level, break_counts.recon_level) as recon_level,
        coalesce(line_counts.currency, break_counts.currency) as currency,
        line_counts.lines_compared::integer as lines_compared,
        line_counts.lines_matched::integer as lines_matched,
        coalesce(break_counts.open_breaks, 0)::integer as open_breaks,
        coalesce(break_counts.resolved_breaks, 0)::integer as resolved_breaks,
        case
            when
                coalesce(line_counts.recon_level, break_counts.recon_level)
                in ('L1_PRIMARY_VS_SECONDARY', 'L3_FINANCE_VS_ORDERSTREAM')
                then coalesce(break_counts.amount_at_risk, 0)
            else break_counts.amount_at_risk
        end::numeric as amount_at_risk
    from line_counts
    full outer join break_counts
        on
            line_counts.recon_level = break_counts.recon_level
            and line_counts.business_date = break_counts.business_date
            and line_counts.currency is not distinct from break_counts.currency
)

select * from final
