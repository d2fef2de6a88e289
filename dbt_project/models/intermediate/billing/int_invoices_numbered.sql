-- The invoices the bill run issues when it closes a period: one per (tenant, account) with at least
-- one line; the total is the sum of its rounded lines (adjustments included).

with numbered_lines as (
    select * from {{ ref('int_invoice_lines_numbered') }}
),

final as (
    select
        invoice_id,
        tenant,
        account_id,
        billing_period,
        currency,
        sum(amount) as total_amount,
        count(*) as line_count,
        count(*) filter (where adjusted_period is not null) as adjustment_line_count
    from numbered_lines
    group by invoice_id, tenant, account_id, billing_period, currency
)

select * from final
