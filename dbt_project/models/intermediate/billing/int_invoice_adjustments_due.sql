-- Adjustment lines owed on closed periods (rules §5.4): for every line key of every closed
-- period, the re-rated line's rounded amount now minus what was already billed for that key (the
-- issued line plus earlier adjustments), where that difference is not zero; the quantity is likewise
-- the difference. A key that no longer has charges is adjusted to zero; a new key up from zero.
-- Each goes onto the account's next invoice: billing_period is the first period after the adjusted
-- one that is not closed yet. A view over the ledger, so it sees each close as soon as it commits.

with rated_lines as (
    select * from {{ ref('int_invoice_lines_rated') }}
),

closed_periods as (
    select * from {{ ref('stg_billing__closed_periods') }}
),

issued_lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

billed as (
    select
        tenant,
        account_id,
        line_key_period as adjusted_period,
        sku,
        charge_type,
        rate_kind,
        unit_price,
        currency,
        sum(amount) as amount,
        sum(quantity) as quantity
    from issued_lines
    group by tenant, account_id, line_key_period, sku, charge_type, rate_kind, unit_price, currency
),

rerated as (
    select
        rated_lines.tenant,
        rated_lines.account_id,
        rated_lines.billing_period as adjusted_period,
        rated_lines.sku,
        rated_lines.charge_type,
        rated_lines.rate_kind,
        rated_lines.unit_price,
        rated_lines.currency,
        rated_lines.amount,
        rated_lines.quantity
    from rated_lines
    inner join closed_periods on rated_lines.billing_period = closed_periods.billing_period
),

compared as (
    select
        coalesce(rerated.tenant, billed.tenant) as tenant,
        coalesce(rerated.account_id, billed.account_id) as account_id,
        coalesce(rerated.adjusted_period, billed.adjusted_period) as adjusted_period,
        coalesce(rerated.sku, billed.sku) as sku,
        coalesce(rerated.charge_type, billed.charge_type) as charge_type,
        coalesce(rerated.rate_kind, billed.rate_kind) as rate_kind,
        coalesce(rerated.unit_price, billed.unit_price) as unit_price,
        coalesce(rerated.currency, billed.currency) as currency,
        coalesce(rerated.amount, 0) as rerated_amount,
        coalesce(billed.amount, 0) as billed_amount,
        coalesce(rerated.quantity, 0) - coalesce(billed.quantity, 0) as quantity,
        coalesce(rerated.amount, 0) - coalesce(billed.amount, 0) as amount
    from rerated
    full outer join billed
        on
            rerated.tenant = billed.tenant
            and rerated.account_id = billed.account_id
            and rerated.adjusted_period = billed.adjusted_period
            and rerated.sku = billed.sku
            and rerated.charge_type = billed.charge_type
            and rerated.rate_kind = billed.rate_kind
            and rerated.unit_price = billed.unit_price
),

-- Months from the first closed period to the month after the last one that are not closed.
open_periods as (
    select months.month_start::date as billing_period
    from (
        select
            min(billing_period) as first_period,
            max(billing_period) as last_period
        from closed_periods
    ) as bounds
    cross join
        lateral generate_series(
            bounds.first_period, bounds.last_period + interval '1 month', interval '1 month'
        ) as months (month_start)
    where months.month_start::date not in (select closed_periods.billing_period from closed_periods)
),

final as (
    select
        compared.tenant,
        compared.account_id,
        (
            select min(open_periods.billing_period)
            from open_periods
            where open_periods.billing_period > compared.adjusted_period
        ) as billing_period,
        compared.sku,
        compared.charge_type,
        compared.rate_kind,
        compared.unit_price,
        compared.quantity,
        compared.currency,
        compared.amount,
        compared.rerated_amount,
        compared.billed_amount,
        compared.adjusted_period
    from compared
    where compared.amount <> 0
)

select * from final
