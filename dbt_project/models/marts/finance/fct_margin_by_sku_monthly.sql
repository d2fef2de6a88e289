-- Margin per period, sku and currency, in that currency and in USD (rules §7): the sum of
-- fct_margin_monthly's rows, by macro margin_by (as are the other fct_margin_by_*_monthly marts).
with margin as (
    select * from {{ ref('fct_margin_monthly') }}
),

final as (
    {{ margin_by(['sku', 'category']) }}
)

select * from final
