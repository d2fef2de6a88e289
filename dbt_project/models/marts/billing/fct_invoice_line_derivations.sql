{{ config(materialized='view') }}

-- How every issued invoice line's amount follows from its lineage (docs/explain.md): the key's exact
-- amount at issue (sum of fct_invoice_line_sources), rounded once; minus what was billed before for the
-- key (0 on a regular line); equal to the issued amount where is_reconstructed. A view over the ledger.

with derivations as (
    select * from {{ ref('int_invoice_line_derivations') }}
),

final as (
    select
        invoice_id::text as invoice_id,
        line_number::integer as line_number,
        tenant::text as tenant,
        account_id::text as account_id,
        billing_period::date as billing_period,
        line_key_period::date as line_key_period,
        is_adjustment::boolean as is_adjustment,
        sku::text as sku,
        charge_type::text as charge_type,
        rate_kind::text as rate_kind,
        unit_price::numeric as unit_price,
        currency::text as currency,
        minor_units::integer as minor_units,
        quantity::numeric as quantity,
        amount::numeric as amount,
        lineage_recorded::boolean as lineage_recorded,
        source_count::integer as source_count,
        denominator::numeric as denominator,
        quantity_numerator::numeric as quantity_numerator,
        amount_numerator::numeric as amount_numerator,
        rated_amount_exact::numeric as rated_amount_exact,
        rated_amount::numeric as rated_amount,
        rated_quantity::numeric as rated_quantity,
        billed_before_amount::numeric as billed_before_amount,
        billed_before_quantity::numeric as billed_before_quantity,
        reconstructed_amount::numeric as reconstructed_amount,
        reconstructed_quantity::numeric as reconstructed_quantity,
        is_reconstructed::boolean as is_reconstructed,
        issued_at::timestamptz as issued_at
    from derivations
)

select * from final
