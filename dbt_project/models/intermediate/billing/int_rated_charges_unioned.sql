-- Every priced charge of the rating in one shape (docs/explain.md; macro rating_charges, which the
-- daily rating and the what-if re-rating use as well): the time-metered pieces of
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
    {{ rating_charges([
        'charge_id', 'charge_kind', 'resource_id', 'account_id', 'tenant', 'currency', 'sku', 'charge_type',
        'rate_kind', 'unit_price', 'price_version_id', 'state', 'quantity', 'usage_from_at', 'usage_to_at',
        'usage_date', 'billing_period', 'seconds', 'term_number', 'term_started_at', 'high_water_quantity',
        'denominator', 'quantity_numerator', 'amount_numerator',
    ]) }}
)

select * from final
