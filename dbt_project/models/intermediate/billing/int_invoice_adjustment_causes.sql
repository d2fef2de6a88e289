-- Which late inputs changed the key under every issued adjustment line (docs/explain.md): inputs that
-- landed after the key was last billed (the previous line's issued_at, or the adjusted period's close
-- when the key is new) and by the adjustment's issue, and that bear on the adjusted period:
--   late_event    an event of a resource whose numerators changed (int_invoice_adjustment_deltas),
--                 timed before the adjusted period's end;
--   late_price    a price upload row of the key's (sku, tenant, currency) effective before that end;
--   late_account  the line's account first landing in the accounts master (its held events released).
-- "Landed" is the inbox file's processed_at, the run's clock, like issued_at. One row per line and
-- input; a line with none is explained by its deltas alone. A view for explain, filtered on invoice_id
-- (CTEs read twice are `not materialized`, so the filter reaches the ledger's indexes).

with issued_lines as not materialized (
    select * from {{ ref('stg_billing__invoice_lines') }}
),

closed_periods as (
    select * from {{ ref('stg_billing__closed_periods') }}
),

deltas as not materialized (
    select * from {{ ref('int_invoice_adjustment_deltas') }}
),

located_events as (
    select * from {{ ref('int_order_events_located') }}
),

catalog_prices as (
    select * from {{ ref('stg_inbox__catalog_prices') }}
),

accounts as (
    select * from {{ ref('int_accounts_resolved') }}
),

account_rows as (
    select * from {{ ref('stg_inbox__accounts') }}
),

inbox_files as not materialized (
    select * from {{ ref('stg_inbox__inbox_files') }}
),

previous_lines as (
    select distinct
        invoice_id,
        line_number,
        previous_invoice_id,
        previous_line_number
    from deltas
),

windows as not materialized (
    select
        adjustments.invoice_id,
        adjustments.line_number,
        adjustments.tenant,
        adjustments.account_id,
        adjustments.sku,
        adjustments.currency,
        adjustments.line_key_period,
        (adjustments.line_key_period + interval '1 month')::timestamp at time zone 'UTC' as key_period_end_at,
        coalesce(previous.issued_at, closed_periods.closed_at) as known_since_at,
        adjustments.issued_at as known_until_at
    from issued_lines as adjustments
    left join previous_lines
        on adjustments.invoice_id = previous_lines.invoice_id and adjustments.line_number = previous_lines.line_number
    left join issued_lines as previous
        on
            previous_lines.previous_invoice_id = previous.invoice_id
            and previous_lines.previous_line_number = previous.line_number
    left join closed_periods on adjustments.line_key_period = closed_periods.billing_period
    where adjustments.is_adjustment
),

changed_resources as (
    select
        invoice_id,
        line_number,
        resource_id
    from deltas
    where delta_amount_numerator <> 0 or delta_quantity_numerator <> 0 or was_on_key <> is_on_key
),

late_events as (
    select
        windows.invoice_id,
        windows.line_number,
        'late_event' as cause_kind,
        located_events.resource_id,
        located_events.event_id,
        located_events.event_type,
        located_events.event_at,
        null::date as price_effective_from,
        null::numeric as price_unit_price,
        located_events.file_name as input_file_name,
        located_events.line_number as input_line_number,
        located_events.processed_at,
        located_events.event_type || ' ' || located_events.event_id || ' of ' || located_events.resource_id
        || ' at ' || to_char(located_events.event_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        || case
            when located_events.is_held then ' (held: account unknown)'
            when located_events.is_applied then ''
            else ' (not applied: ' || coalesce(located_events.anomaly_type, 'anomaly') || ')'
        end as detail
    from windows
    inner join changed_resources
        on windows.invoice_id = changed_resources.invoice_id and windows.line_number = changed_resources.line_number
    inner join located_events on changed_resources.resource_id = located_events.resource_id
    where
        located_events.event_at < windows.key_period_end_at
        and located_events.processed_at > windows.known_since_at
        and located_events.processed_at <= windows.known_until_at
),

late_prices as (
    select
        windows.invoice_id,
        windows.line_number,
        'late_price' as cause_kind,
        null::text as resource_id,
        null::text as event_id,
        null::text as event_type,
        null::timestamptz as event_at,
        catalog_prices.effective_from_date as price_effective_from,
        catalog_prices.unit_price as price_unit_price,
        inbox_files.file_name as input_file_name,
        catalog_prices.line_number as input_line_number,
        inbox_files.processed_at,
        'price of ' || catalog_prices.sku || ' ' || catalog_prices.tenant || ' ' || catalog_prices.currency
        || ' from ' || catalog_prices.effective_from_date || ': ' || trim_scale(catalog_prices.unit_price)
        || ' (idle ' || trim_scale(catalog_prices.idle_unit_price) || ')' as detail
    from windows
    inner join catalog_prices
        on
            windows.sku = catalog_prices.sku
            and windows.tenant = catalog_prices.tenant
            and windows.currency = catalog_prices.currency
    inner join inbox_files on catalog_prices.file_id = inbox_files.file_id
    where
        catalog_prices.effective_from_at < windows.key_period_end_at
        and inbox_files.processed_at > windows.known_since_at
        and inbox_files.processed_at <= windows.known_until_at
),

late_accounts as (
    select
        windows.invoice_id,
        windows.line_number,
        'late_account' as cause_kind,
        null::text as resource_id,
        null::text as event_id,
        null::text as event_type,
        null::timestamptz as event_at,
        null::date as price_effective_from,
        null::numeric as price_unit_price,
        inbox_files.file_name as input_file_name,
        (
            select min(account_rows.line_number)
            from account_rows
            where account_rows.account_id = accounts.account_id and account_rows.file_id = accounts.first_file_id
        ) as input_line_number,
        inbox_files.processed_at,
        'account ' || accounts.account_id || ' first landed in the accounts master (its held events released)'
            as detail
    from windows
    inner join accounts on windows.account_id = accounts.account_id
    inner join inbox_files on accounts.first_file_id = inbox_files.file_id
    where
        inbox_files.processed_at > windows.known_since_at
        and inbox_files.processed_at <= windows.known_until_at
),

final as (
    select * from late_events
    union all
    select * from late_prices
    union all
    select * from late_accounts
)

select * from final
