-- The break register as iaas_billing.recon writes it (audit.reconciliation_breaks), one row per break.
with source as (
    select * from {{ source('audit', 'reconciliation_breaks') }}
),

final as (
    select
        break_id,
        recon_level,
        break_type,
        break_key,
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
        times_reopened
    from source
)

select * from final
