-- depends_on: {{ ref('stg_inbox__tax_rates') }}
-- (built after stg_inbox__tax_rates: views replaced at once whose dependents overlap (the invoices' tax
-- models read accounts, rates and issuers) can deadlock on those dependents' drop)

with source as (
    select * from {{ source('inbox', 'sales_entities') }}
),

final as (
    select
        file_id,
        line_number,
        snapshot_date,
        country,
        legal_name,
        address,
        tax_registration_id
    from source
)

select * from final
