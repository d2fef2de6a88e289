-- The adjustment lines due on the next invoice (rules §5.4, int_invoice_adjustments_due), for a BI user to
-- read alone: the period each adjusts, the invoice period it goes on, what changed (a new key, a key gone,
-- an amount re-rated) and which late inputs landed since the key was last billed (the adjusted period's
-- close for a new key): the causes explain reports for issued lines (fct_invoice_adjustment_causes), counted:
--   late_price    price rows of the key's (sku, tenant, currency) effective before the adjusted period's end;
--   late_event    order events of the account timed before that end (of any of its resources: which ones
--                 moved the key is known only once the line is issued with its lineage);
--   late_account  the account's first landing in the accounts master (its held events released).
-- A view: it sees each close and each landing as soon as they commit, as the bill run does.

with adjustments_due as (
    select * from {{ ref('int_invoice_adjustments_due') }}
),

issued_lines as (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

closed_periods as (
    select * from {{ ref('stg_billing__closed_periods') }}
),

catalog_prices as (
    select * from {{ ref('stg_inbox__catalog_prices') }}
),

order_events as (
    select * from {{ ref('stg_inbox__order_events') }}
),

accounts as (
    select * from {{ ref('int_accounts_resolved') }}
),

inbox_files as not materialized (
    select * from {{ ref('stg_inbox__inbox_files') }}
),

last_billed as (
    select
        tenant,
        account_id,
        line_key_period,
        sku,
        charge_type,
        rate_kind,
        unit_price,
        max(issued_at) as last_billed_at
    from issued_lines
    group by tenant, account_id, line_key_period, sku, charge_type, rate_kind, unit_price
),

windows as (
    select
        adjustments_due.*,
        last_billed.last_billed_at,
        coalesce(last_billed.last_billed_at, closed_periods.closed_at) as known_since_at,
        (adjustments_due.adjusted_period + interval '1 month')::timestamp at time zone 'UTC' as adjusted_period_end_at
    from adjustments_due
    left join last_billed
        on
            adjustments_due.tenant = last_billed.tenant
            and adjustments_due.account_id = last_billed.account_id
            and adjustments_due.adjusted_period = last_billed.line_key_period
            and adjustments_due.sku = last_billed.sku
            and adjustments_due.charge_type = last_billed.charge_type
            and adjustments_due.rate_kind = last_billed.rate_kind
            and adjustments_due.unit_price = last_billed.unit_price
    left join closed_periods on adjustments_due.adjusted_period = closed_periods.billing_period
),

counted as (
    select
        windows.*,
        (
            select count(*)
            from catalog_prices
            inner join inbox_files on catalog_prices.file_id = inbox_files.file_id
            where
                catalog_prices.sku = windows.sku
                and catalog_prices.tenant = windows.tenant
                and catalog_prices.currency = windows.currency
                and catalog_prices.effective_from_at < windows.adjusted_period_end_at
                and inbox_files.processed_at > windows.known_since_at
        ) as late_price_count,
        (
            select count(*)
            from order_events
            inner join inbox_files on order_events.file_id = inbox_files.file_id
            where
                order_events.account_id = windows.account_id
                and order_events.event_at < windows.adjusted_period_end_at
                and inbox_files.processed_at > windows.known_since_at
        ) as late_event_count,
        exists(
            select 1
            from accounts
            inner join inbox_files on accounts.first_file_id = inbox_files.file_id
            where accounts.account_id = windows.account_id and inbox_files.processed_at > windows.known_since_at
        ) as has_late_account
    from windows
),

final as (
    select
        tenant::text as tenant,
        account_id::text as account_id,
        billing_period::date as billing_period,
        adjusted_period::date as adjusted_period,
        sku::text as sku,
        charge_type::text as charge_type,
        rate_kind::text as rate_kind,
        unit_price::numeric as unit_price,
        currency::text as currency,
        quantity::numeric as quantity,
        amount::numeric as amount,
        rerated_amount::numeric as rerated_amount,
        billed_amount::numeric as billed_amount,
        case
            when billed_amount = 0 and last_billed_at is null then 'new_key'
            when rerated_amount = 0 then 'key_gone'
            else 're_rated'
        end::text as change_kind,
        last_billed_at::timestamptz as last_billed_at,
        late_price_count::integer as late_price_count,
        late_event_count::integer as late_event_count,
        has_late_account::boolean as has_late_account,
        nullif(concat_ws(
            ', ',
            case when late_price_count > 0 then 'late_price' end,
            case when late_event_count > 0 then 'late_event' end,
            case when has_late_account then 'late_account' end
        ), '')::text as causes
    from counted
)

select * from final
