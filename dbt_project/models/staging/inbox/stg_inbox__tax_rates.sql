-- depends_on: {{ ref('stg_inbox__accounts') }}
-- (built after stg_inbox__accounts: views replaced at once whose dependents overlap (the invoices' tax
-- models read accounts, rates and issuers) can deadlock on those dependents' drop)

with source as (
    select * from {{ source('inbox', 'tax_rates') }}
),

final as (
    select
        file_id,
        line_number,
        snapshot_date,
        country,
        tax_name,
        rate,
        reverse_charge as is_reverse_charge,
        effective_from as effective_from_date
    from source
)

select * from final
