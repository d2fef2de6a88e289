-- Every break the platform knows of, open or resolved, for finance to read in one place.
with register as (
    select * from {{ ref('stg_audit__reconciliation_breaks') }}
),

final as (
    select
        break_id,
        recon_level,
        break_type,
        business_date,
        account_id,
        sku,
        event_type,
        expected,
        actual,
        difference,
        currency,
        file_name,
        line_number,
        event_id,
        resource_id,
        status,
        detail,
        detected_at,
        resolved_at,
        last_seen_at,
        times_reopened,
        break_key
    from register
)

select * from final
