-- Every issued invoice line split by the resources behind it, for the FOCUS export (docs/finance.md): one row
-- per line x resource with the resource's exact share (its own numerators over the key's denominator, never
-- rounded by itself), plus one `rounding` row per line for the line's single rounding (rules §4.7): the
-- issued amount minus the sum of the shares, which also carries the shares' last-decimal remainder. So the
-- rows of a line sum exactly to its issued amount, and an invoice's rows to its total.
-- Shares come from the lineage the bill run froze with the line (billing.invoice_line_sources): a regular line's
-- sources; for an adjustment line, each resource's change since the key was last billed
-- (int_invoice_adjustment_deltas: the adjustment's re-rated key minus the previous line's), unchanged resources
-- left out. A line is split only when its lineage explains it, i.e. the shares are within one minor unit of
-- the issued amount (a rounding of the line, or of the two lines an adjustment is the difference of); otherwise
-- (a period closed before lineage was kept) the line is one `line` row without a resource, as issued.
-- A view read filtered on (tenant, billing_period) by the export: the lines are read once and the window is
-- partitioned by those columns, so the filter reaches the ledger and only that period's lines meet the lineage;
-- the lineage is read once (docs/finance.md measures it).

with invoice_lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

sources as not materialized (
    select * from {{ ref('stg_billing__invoice_line_sources') }}
),

adjustment_deltas as not materialized (
    select * from {{ ref('int_invoice_adjustment_deltas') }}
),

currencies as (
    select * from {{ ref('currencies') }}
),

-- the exact shares of every line: a regular line's sources, an adjustment line's changed resources
lineage as (
    select
        false as is_adjustment,
        invoice_id,
        line_number,
        resource_id,
        {{ exact_divide('amount_numerator', 'denominator') }} as amount_exact,
        {{ exact_divide('quantity_numerator', 'denominator') }} as quantity_exact
    from sources
    union all
    select
        true as is_adjustment,
        invoice_id,
        line_number,
        resource_id,
        {{ exact_divide('delta_amount_numerator', 'denominator') }},
        {{ exact_divide('delta_quantity_numerator', 'denominator') }}
    from adjustment_deltas
    where delta_amount_numerator <> 0 or delta_quantity_numerator <> 0
),

lines_with_shares as (
    select
        invoice_lines.tenant,
        invoice_lines.billing_period,
        invoice_lines.invoice_id,
        invoice_lines.line_number,
        invoice_lines.amount,
        invoice_lines.quantity,
        currencies.minor_units,
        lineage.resource_id,
        lineage.amount_exact,
        lineage.quantity_exact,
        sum(lineage.amount_exact) over line_window as shares_amount,
        row_number() over line_window as share_number
    from invoice_lines
    inner join currencies on invoice_lines.currency = currencies.currency
    left join lineage
        on
            invoice_lines.invoice_id = lineage.invoice_id
            and invoice_lines.line_number = lineage.line_number
            and (invoice_lines.adjusted_period is not null) = lineage.is_adjustment
    window line_window as (
        partition by
            invoice_lines.tenant,
            invoice_lines.billing_period,
            invoice_lines.invoice_id,
            invoice_lines.line_number
    )
),

checked as (
    select
        *,
        coalesce(abs(amount - shares_amount) <= power(10::numeric, -minor_units), false) as is_split
    from lines_with_shares
),

-- each line's rows in one pass: its resources and its rounding when split, else itself
final as (
    select
        checked.tenant,
        checked.billing_period,
        checked.invoice_id,
        checked.line_number,
        kinds.share_kind,
        case when kinds.share_kind = 'resource' then checked.resource_id end as resource_id,
        case kinds.share_kind
            when 'resource' then trim_scale(checked.amount_exact)
            when 'rounding' then trim_scale(checked.amount - checked.shares_amount)
            else checked.amount
        end as amount,
        case kinds.share_kind
            when 'resource' then trim_scale(checked.quantity_exact)
            when 'line' then checked.quantity
        end as quantity
    from checked
    cross join (values ('resource'), ('rounding'), ('line')) as kinds (share_kind)
    where
        (kinds.share_kind = 'resource' and checked.is_split)
        or (
            kinds.share_kind = 'rounding' and checked.is_split and checked.share_number = 1
            and checked.amount <> checked.shares_amount
        )
        or (kinds.share_kind = 'line' and not checked.is_split and checked.share_number = 1)
)

select
    tenant::text as tenant,
    billing_period::date as billing_period,
    invoice_id::text as invoice_id,
    line_number::integer as line_number,
    share_kind::text as share_kind,
    resource_id::text as resource_id,
    amount::numeric as amount,
    quantity::numeric as quantity
from final
