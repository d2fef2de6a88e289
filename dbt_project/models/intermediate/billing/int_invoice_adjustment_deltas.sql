-- What changed under every issued adjustment line, per resource, from the ledger alone
-- (docs/explain.md): the key's lineage when it was billed last (the previous line of the same key:
-- the regular line or an earlier adjustment) against its lineage when the adjustment was issued (the
-- re-rated key). A resource on one side only appeared (late event, account, price) or left the key
-- (e.g. an earlier SHUTDOWN moved it to the idle rate). Numerators share the key's denominator.
-- A view for explain, read filtered on invoice_id (CTEs read twice are `not materialized`, so the
-- filter reaches the ledger's indexes).

with issued_lines as not materialized (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

sources as not materialized (
    select * from {{ ref('stg_billing__invoice_line_sources') }}
),

adjustments as (
    select * from issued_lines
    where is_adjustment
),

-- the key's latest line on an earlier invoice (indexed: tenant, account_id, line_key_period)
previous_lines as not materialized (
    select
        adjustments.invoice_id,
        adjustments.line_number,
        earlier.invoice_id as previous_invoice_id,
        earlier.line_number as previous_line_number
    from adjustments
    left join lateral (
        select
            issued_lines.invoice_id,
            issued_lines.line_number
        from issued_lines
        where
            issued_lines.tenant = adjustments.tenant
            and issued_lines.account_id = adjustments.account_id
            and issued_lines.line_key_period = adjustments.line_key_period
            and issued_lines.sku = adjustments.sku
            and issued_lines.charge_type = adjustments.charge_type
            and issued_lines.rate_kind = adjustments.rate_kind
            and issued_lines.unit_price = adjustments.unit_price
            and issued_lines.billing_period < adjustments.billing_period
        order by issued_lines.billing_period desc
        limit 1
    ) as earlier on true
),

paired as (
    select
        previous_lines.invoice_id,
        previous_lines.line_number,
        previous_lines.previous_invoice_id,
        previous_lines.previous_line_number,
        sources.resource_id,
        sources.denominator,
        'now' as side,
        0 as before_quantity_numerator,
        0 as before_amount_numerator,
        sources.quantity_numerator as now_quantity_numerator,
        sources.amount_numerator as now_amount_numerator
    from previous_lines
    inner join sources
        on previous_lines.invoice_id = sources.invoice_id and previous_lines.line_number = sources.line_number
    union all
    select
        previous_lines.invoice_id,
        previous_lines.line_number,
        previous_lines.previous_invoice_id,
        previous_lines.previous_line_number,
        sources.resource_id,
        sources.denominator,
        'before' as side,
        sources.quantity_numerator as before_quantity_numerator,
        sources.amount_numerator as before_amount_numerator,
        0 as now_quantity_numerator,
        0 as now_amount_numerator
    from previous_lines
    inner join sources
        on
            previous_lines.previous_invoice_id = sources.invoice_id
            and previous_lines.previous_line_number = sources.line_number
),

final as (
    select
        invoice_id,
        line_number,
        resource_id,
        min(previous_invoice_id) as previous_invoice_id,
        min(previous_line_number) as previous_line_number,
        min(denominator) as denominator,
        sum(before_quantity_numerator) as before_quantity_numerator,
        sum(before_amount_numerator) as before_amount_numerator,
        sum(now_quantity_numerator) as now_quantity_numerator,
        sum(now_amount_numerator) as now_amount_numerator,
        sum(now_amount_numerator) - sum(before_amount_numerator) as delta_amount_numerator,
        sum(now_quantity_numerator) - sum(before_quantity_numerator) as delta_quantity_numerator,
        bool_or(side = 'before') as was_on_key,
        bool_or(side = 'now') as is_on_key
    from paired
    group by invoice_id, line_number, resource_id
)

select * from final
