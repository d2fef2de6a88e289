-- The lines the bill run issues when it closes a period: the period's regular lines and the
-- adjustment lines due onto it, numbered. Invoices are numbered `<tenant>-<YYYYMM>-<6 digits>` from
-- 000001 per tenant and period in account_id order (rules §5.3); lines within an invoice are
-- numbered regular lines first, then adjustments by adjusted period, each by sku and rate.
-- The bill run copies `where billing_period = <M>` into the ledger (iaas_billing.jobs.billrun).

with lines_due as (
    select * from {{ ref('int_invoice_lines_due') }}
),

adjustments_due as (
    select * from {{ ref('int_invoice_adjustments_due') }}
),

lines as (
    select
        tenant,
        account_id,
        billing_period,
        sku,
        charge_type,
        rate_kind,
        unit_price,
        quantity,
        currency,
        amount,
        amount_exact,
        null::date as adjusted_period
    from lines_due
    union all
    select
        tenant,
        account_id,
        billing_period,
        sku,
        charge_type,
        rate_kind,
        unit_price,
        quantity,
        currency,
        amount,
        null::numeric as amount_exact,
        adjusted_period
    from adjustments_due
),

final as (
    select
        tenant || '-' || to_char(billing_period, 'YYYYMM') || '-'
        || lpad((dense_rank() over (partition by tenant, billing_period order by account_id))::text, 6, '0')
            as invoice_id,
        row_number() over (
            partition by tenant, account_id, billing_period
            order by adjusted_period nulls first, sku, charge_type, rate_kind, unit_price
        ) as line_number,
        tenant,
        account_id,
        billing_period,
        sku,
        charge_type,
        rate_kind,
        unit_price,
        quantity,
        currency,
        amount,
        amount_exact,
        adjusted_period
    from lines
)

select * from final
