-- Usage for which no price applies (rules §2.5): never charged as zero, never dropped; it is
-- reported here and charged once a price covering it is uploaded (it then leaves this table).
-- Time-metered usage per resource, sku, tenant and UTC day; annual / one-time charges per instant.

with usage_pieces as (
    select * from {{ ref('int_usage_spans_priced') }}
),

term_charges as (
    select * from {{ ref('int_term_charges_computed') }}
),

unpriced as (
    select
        usage_piece_id as unpriced_usage_id,
        tenant,
        account_id,
        resource_id,
        sku,
        charge_type,
        currency,
        usage_from_at as unpriced_from_at,
        usage_to_at as unpriced_to_at,
        usage_date,
        billing_period,
        quantity,
        seconds,
        unpriced_reason as reason
    from usage_pieces
    where not is_priced
    union all
    select
        term_charge_id as unpriced_usage_id,
        tenant,
        account_id,
        resource_id,
        sku,
        charge_type,
        currency,
        charged_at as unpriced_from_at,
        charged_at as unpriced_to_at,
        usage_date,
        billing_period,
        quantity,
        null::numeric as seconds,
        unpriced_reason as reason
    from term_charges
    where not is_priced
),

final as (
    select
        unpriced_usage_id::text as unpriced_usage_id,
        tenant::text as tenant,
        account_id::text as account_id,
        resource_id::text as resource_id,
        sku::text as sku,
        charge_type::text as charge_type,
        currency::text as currency,
        unpriced_from_at::timestamptz as unpriced_from_at,
        unpriced_to_at::timestamptz as unpriced_to_at,
        usage_date::date as usage_date,
        billing_period::date as billing_period,
        quantity::numeric as quantity,
        seconds::numeric as seconds,
        reason::text as reason
    from unpriced
)

select * from final
