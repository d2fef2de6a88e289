-- Finance's monthly rate to USD per (billing_period, currency). A later fx_rates file (a new version
-- of the same name, or another file that repeats the period) overrides an earlier one: the most
-- recently landed row wins (landing order is delivery order, so file_id orders the versions).
with rates as (
    select * from {{ ref('stg_inbox__fx_rates') }}
),

files as (
    select * from {{ ref('stg_inbox__inbox_files') }}
),

ranked as (
    select
        rates.billing_period,
        rates.currency,
        rates.usd_per_unit,
        rates.file_id,
        files.file_name,
        row_number() over (
            partition by rates.billing_period, rates.currency
            order by rates.file_id desc, rates.line_number desc
        ) as recency_rank
    from rates
    left join files on rates.file_id = files.file_id
),

final as (
    select
        billing_period,
        currency,
        usd_per_unit,
        file_id,
        file_name
    from ranked
    where recency_rank = 1
)

select * from final
