-- Every issued invoice line (the ledger) with its key's contributing resources as rated now
-- (docs/explain.md): per line and resource, the sums of the exact numerators of the resource's priced
-- charges on the line's key (tenant, account, period, sku, charge_type, rate_kind, unit_price). For a
-- regular line the key's period is the line's own; for an adjustment line it is the adjusted period
-- (line_key_period), and the rows are the whole re-rated key, not the difference. Summed over the
-- resources they are the key's numerators in int_invoice_lines_rated (both sum the same charges).
-- The bill run copies `where billing_period = M and line_key_period = P` into billing.invoice_line_sources
-- in the transaction that issues M's lines, right after inserting them (one statement per key period P,
-- so that P reaches the rating tables as a constant); explain reads it to tell whether the live rating
-- of an issued line still matches what was issued. The charges are joined to the lines first and then
-- summed on a narrow key (line, resource): a 100,000-resource month's ~8 million day pieces hash in memory.
-- The bill run then checks every line it issued against int_invoice_line_derivations: declared a dependency
-- here so that any selection building what the bill run copies (`+int_invoice_line_sources_live`) builds it too.
-- depends_on: {{ ref('int_invoice_line_derivations') }}

with issued_lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

charges as (
    select * from {{ ref('int_rated_charges_unioned') }}
),

final as (
    select
        issued_lines.invoice_id,
        issued_lines.line_number,
        issued_lines.tenant,
        issued_lines.account_id,
        issued_lines.billing_period,
        issued_lines.line_key_period,
        charges.resource_id,
        charges.denominator,
        sum(charges.quantity_numerator) as quantity_numerator,
        sum(charges.amount_numerator) as amount_numerator,
        count(*) as charge_count,
        min(charges.usage_from_at) as first_usage_at,
        max(charges.usage_to_at) as last_usage_at
    from issued_lines
    inner join charges
        on
            issued_lines.tenant = charges.tenant
            and issued_lines.account_id = charges.account_id
            and issued_lines.line_key_period = charges.billing_period
            and issued_lines.sku = charges.sku
            and issued_lines.charge_type = charges.charge_type
            and issued_lines.rate_kind = charges.rate_kind
            and issued_lines.unit_price = charges.unit_price
    group by
        issued_lines.invoice_id, issued_lines.line_number, issued_lines.tenant, issued_lines.account_id,
        issued_lines.billing_period, issued_lines.line_key_period, charges.resource_id, charges.denominator
)

select * from final
