with source as (
    select * from {{ source('whatif', 'scenarios') }}
),

final as (
    select
        scenario,
        billing_period,
        catalog_file,
        catalog_sha256,
        proposed_row_count,
        created_at
    from source
)

select * from final
