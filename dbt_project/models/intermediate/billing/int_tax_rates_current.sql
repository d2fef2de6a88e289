-- The tax table (rules §9): the rows of the latest snapshot delivered (the greatest snapshot date, then the
-- latest landed), each with its last day in force (the day before the country's next row, open-ended if none).
with tax_rates as (
    select * from {{ ref('stg_inbox__tax_rates') }}
),

latest_snapshot as (
    select file_id
    from tax_rates
    order by snapshot_date desc, file_id desc
    limit 1
),

final as (
    select
        tax_rates.country,
        tax_rates.tax_name,
        tax_rates.rate,
        tax_rates.is_reverse_charge,
        tax_rates.effective_from_date,
        lead(tax_rates.effective_from_date) over (
            partition by tax_rates.country order by tax_rates.effective_from_date
        ) - 1 as effective_to_date,
        tax_rates.snapshot_date,
        tax_rates.file_id
    from tax_rates
    inner join latest_snapshot on tax_rates.file_id = latest_snapshot.file_id
)

select * from final
