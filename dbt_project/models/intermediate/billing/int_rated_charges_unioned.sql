-- Every priced charge of the rating in one shape (docs/explain.md): the time-metered pieces of
-- int_usage_spans_priced (component x span x price version x UTC day) and the annual / one-time
-- charges of int_term_charges_computed, each with the invoice line key it falls on (tenant, account,
-- period, sku, charge_type, rate_kind, unit_price), its resource and its exact numerators. The daily
-- rows of int_usage_rated_daily, hence the invoice lines and the daily lines, are sums of exactly
-- these rows. A view: always read filtered (billing_period, resource_id, usage_date), which Postgres
-- pushes into both tables.

with usage_pieces as (
    select * from {{ ref('int_usage_spans_priced') }}
),

term_charges as (
    select * from {{ ref('int_term_charges_computed') }}
),

final as (
    select
        usage_pieces.usage_piece_id as charge_id,
        'usage_piece' as charge_kind,
        usage_pieces.resource_id,
        usage_pieces.account_id,
        usage_pieces.tenant,
        usage_pieces.currency,
        usage_pieces.sku,
        usage_pieces.charge_type,
        usage_pieces.rate_kind,
        usage_pieces.unit_price,
        usage_pieces.price_version_id,
        usage_pieces.state,
        usage_pieces.quantity,
        usage_pieces.usage_from_at,
        usage_pieces.usage_to_at,
        usage_pieces.usage_date,
        usage_pieces.billing_period,
        usage_pieces.seconds,
        null::integer as term_number,
        null::timestamptz as term_started_at,
        null::numeric as high_water_quantity,
        usage_pieces.denominator,
        usage_pieces.quantity_numerator,
        usage_pieces.amount_numerator
    from usage_pieces
    where usage_pieces.is_priced
    union all
    select
        term_charges.term_charge_id as charge_id,
        'term_charge' as charge_kind,
        term_charges.resource_id,
        term_charges.account_id,
        term_charges.tenant,
        term_charges.currency,
        term_charges.sku,
        term_charges.charge_type,
        term_charges.rate_kind,
        term_charges.unit_price,
        term_charges.price_version_id,
        null::text as state,
        term_charges.quantity,
        term_charges.charged_at as usage_from_at,
        term_charges.charged_at as usage_to_at,
        term_charges.usage_date,
        term_charges.billing_period,
        null::numeric as seconds,
        term_charges.term_number,
        term_charges.term_started_at,
        term_charges.high_water_quantity,
        term_charges.denominator,
        term_charges.quantity_numerator,
        term_charges.amount_numerator
    from term_charges
    where term_charges.is_priced
)

select * from final
