-- How every issued line's amount follows from its lineage (docs/explain.md), read only from the
-- ledger (billing.invoice_lines and the invoice_line_sources the bill run wrote with them), so an
-- issued line stays explained whatever later data does to the live rating:
--   rated amount        = round(sum(amount_numerator) / denominator), half away from zero, to the
--                         currency's minor units: the key's amount when the line was issued (0 when
--                         the key had no charges left: an adjustment to zero);
--   billed before       = the key's lines issued on earlier invoices (the regular line and earlier
--                         adjustments; 0 for a regular line);
--   reconstructed       = rated - billed before, which must be the issued amount (and likewise the
--                         quantity, 6 decimals). is_reconstructed says it is.
-- Lines of a period closed before lineage was kept have lineage_recorded = false.

with issued_lines as not materialized (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

sources as not materialized (
    select * from {{ ref('stg_billing__invoice_line_sources') }}
),

closed_periods as (
    select * from {{ ref('stg_billing__closed_periods') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

rated as (
    select
        issued_lines.*,
        currencies.minor_units,
        closed_periods.lineage_source_rows is not null as lineage_recorded,
        coalesce(summed.source_count, 0) as source_count,
        summed.denominator,
        coalesce(summed.denominator_count, 0) as denominator_count,
        coalesce(summed.quantity_numerator, 0) as quantity_numerator,
        coalesce(summed.amount_numerator, 0) as amount_numerator,
        case
            when summed.source_count is null then 0
            else {{ exact_divide('summed.amount_numerator', 'summed.denominator') }}
        end as rated_amount_exact,
        case
            when summed.source_count is null then 0
            else round({{ exact_divide('summed.quantity_numerator', 'summed.denominator') }}, 6)
        end as rated_quantity,
        coalesce(earlier.amount, 0) as billed_before_amount,
        coalesce(earlier.quantity, 0) as billed_before_quantity,
        earlier.line_count as earlier_line_count
    from issued_lines
    inner join closed_periods on issued_lines.billing_period = closed_periods.billing_period
    -- the key's lines on earlier invoices (indexed: tenant, account_id, line_key_period)
    cross join
        lateral (
            select
                sum(earlier_lines.amount) as amount,
                sum(earlier_lines.quantity) as quantity,
                count(*) as line_count
            from issued_lines as earlier_lines
            where
                earlier_lines.tenant = issued_lines.tenant
                and earlier_lines.account_id = issued_lines.account_id
                and earlier_lines.line_key_period = issued_lines.line_key_period
                and earlier_lines.sku = issued_lines.sku
                and earlier_lines.charge_type = issued_lines.charge_type
                and earlier_lines.rate_kind = issued_lines.rate_kind
                and earlier_lines.unit_price = issued_lines.unit_price
                and earlier_lines.billing_period < issued_lines.billing_period
        ) as earlier
    -- the line's lineage (indexed: the sources' primary key starts with invoice_id, line_number)
    cross join
        lateral (
            select
                nullif(count(*), 0) as source_count,
                min(sources.denominator) as denominator,
                count(distinct sources.denominator) as denominator_count,
                sum(sources.quantity_numerator) as quantity_numerator,
                sum(sources.amount_numerator) as amount_numerator
            from sources
            where sources.invoice_id = issued_lines.invoice_id and sources.line_number = issued_lines.line_number
        ) as summed
    left join currencies on issued_lines.currency = currencies.currency
),

final as (
    select
        invoice_line_id,
        invoice_id,
        line_number,
        tenant,
        account_id,
        billing_period,
        line_key_period,
        is_adjustment,
        sku,
        charge_type,
        rate_kind,
        unit_price,
        currency,
        minor_units,
        quantity,
        amount,
        amount_exact,
        issued_at,
        lineage_recorded,
        source_count,
        denominator,
        quantity_numerator,
        amount_numerator,
        rated_amount_exact,
        {{ round_money('rated_amount_exact', 'minor_units') }} as rated_amount,
        rated_quantity,
        billed_before_amount,
        billed_before_quantity,
        earlier_line_count,
        {{ round_money('rated_amount_exact', 'minor_units') }} - billed_before_amount as reconstructed_amount,
        rated_quantity - billed_before_quantity as reconstructed_quantity,
        lineage_recorded
        and denominator_count <= 1
        and (source_count > 0 or is_adjustment)
        and {{ round_money('rated_amount_exact', 'minor_units') }} - billed_before_amount = amount
        and rated_quantity - billed_before_quantity = quantity
        and (is_adjustment or amount_exact is null or amount_exact = rated_amount_exact) as is_reconstructed
    from rated
)

select * from final
