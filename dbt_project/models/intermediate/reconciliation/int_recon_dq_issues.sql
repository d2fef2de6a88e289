{{ config(materialized='table') }}

-- DATA_QUALITY: one row per data-quality issue the platform knows of now, keyed by
-- (issue_type, break_key). issue_type is the break_type the GX suite `recon_data_quality` turns
-- it into. An issue that later data clears (a newer version of a snapshot file, a price that
-- arrives, an account that appears) drops out of this model, and its break is then resolved.
with inbox_files as (
    select * from {{ ref('int_recon_inbox_files') }}
),

quarantined_rows as (
    select * from {{ ref('stg_inbox__quarantined_rows') }}
),

accounts_rows as (
    select * from {{ ref('stg_inbox__accounts') }}
),

accounts as (
    select * from {{ ref('int_accounts_resolved') }}
),

lifecycle_anomalies as (
    select * from {{ ref('int_lifecycle_anomalies') }}
),

held_events as (
    select * from {{ ref('int_order_events_held') }}
),

usage_pieces as (
    select * from {{ ref('int_usage_spans_priced') }}
),

term_charges as (
    select * from {{ ref('int_term_charges_computed') }}
),

expected_files as (
    select * from {{ ref('int_inbox_files_expected') }}
),

missing_fx_rates as (
    select * from {{ ref('int_fx_rates_missing') }}
),

sku_units as (
    select * from {{ ref('int_skus_focus_units') }}
),

-- rows quarantined by the landing; the account and event id are read from the raw record where
-- it is readable (best effort: the row broke its contract)
quarantined as (
    select
        'quarantined_row' as issue_type,
        inbox_files.file_name || '#v' || inbox_files.file_version || ':' || quarantined_rows.line_number as break_key,
        coalesce(inbox_files.business_date, (inbox_files.processed_at at time zone 'UTC')::date) as business_date,
        nullif(case
            when inbox_files.file_kind = 'orders'
                then substring(quarantined_rows.raw_record from '"account_id"\s*:\s*"([^"]*)"')
            when inbox_files.file_kind in ('control', 'primary_billing', 'finance_gl')
                then split_part(quarantined_rows.raw_record, ',', 2)
            when inbox_files.file_kind = 'accounts'
                then split_part(quarantined_rows.raw_record, ',', 1)
        end, '') as account_id,
        null::text as sku,
        null::text as event_type,
        null::text as currency,
        null::numeric as expected,
        null::numeric as actual,
        null::numeric as difference,
        inbox_files.file_name,
        quarantined_rows.line_number,
        case
            when inbox_files.file_kind = 'orders'
                then substring(quarantined_rows.raw_record from '"event_id"\s*:\s*"([^"]*)"')
        end as event_id,
        null::text as resource_id,
        'file ' || inbox_files.file_name || ' (version ' || inbox_files.file_version || ') line '
        || quarantined_rows.line_number || ': ' || quarantined_rows.reason as detail
    from quarantined_rows
    inner join inbox_files on quarantined_rows.file_id = inbox_files.file_id
    where
        -- a newer version of a snapshot file replaced this version's rows, good and bad
        not (inbox_files.is_superseded and inbox_files.is_snapshot_feed)
        -- the rows of a file rejected whole are reported once, as its rejected_file break
        and not inbox_files.is_rejected
),

rejected as (
    select
        'rejected_file' as issue_type,
        file_name || '#v' || file_version as break_key,
        coalesce(business_date, (processed_at at time zone 'UTC')::date) as business_date,
        null::text as account_id,
        null::text as sku,
        null::text as event_type,
        null::text as currency,
        rows_read::numeric as expected,
        rows_loaded::numeric as actual,
        (rows_loaded - rows_read)::numeric as difference,
        file_name,
        null::integer as line_number,
        null::text as event_id,
        null::text as resource_id,
        'file ' || file_name || ' (version ' || file_version || ') ' || status || ': '
        || coalesce(detail, 'no reason given') as detail
    from inbox_files
    where is_rejected and not is_superseded
),

currency_attempts as (
    select
        accounts.account_id,
        accounts.currency as kept_currency,
        min(inbox_files.business_date) as first_change_date,
        string_agg(distinct accounts_rows.currency, ', ') as attempted_currencies,
        min(inbox_files.file_name) as first_file_name
    from accounts
    inner join accounts_rows on accounts.account_id = accounts_rows.account_id
    inner join inbox_files on accounts_rows.file_id = inbox_files.file_id
    where accounts.has_currency_change and accounts_rows.currency <> accounts.currency
    group by accounts.account_id, accounts.currency
),

currency_changes as (
    select
        'currency_change' as issue_type,
        account_id as break_key,
        first_change_date as business_date,
        account_id,
        null::text as sku,
        null::text as event_type,
        kept_currency as currency,
        null::numeric as expected,
        null::numeric as actual,
        null::numeric as difference,
        first_file_name as file_name,
        null::integer as line_number,
        null::text as event_id,
        null::text as resource_id,
        'currency kept as ' || kept_currency || '; ' || first_file_name || ' and later snapshots say '
        || attempted_currencies as detail
    from currency_attempts
),

anomalies as (
    select
        case
            when lifecycle_anomalies.anomaly_type = 'conflicting_duplicate' then 'conflicting_duplicate'
            else 'lifecycle_anomaly'
        end as issue_type,
        lifecycle_anomalies.event_id || '|' || lifecycle_anomalies.anomaly_type || case
            when lifecycle_anomalies.anomaly_type = 'conflicting_duplicate'
                then
                    '|' || coalesce(inbox_files.file_name, lifecycle_anomalies.file_id::text) || ':'
                    || lifecycle_anomalies.line_number
            else ''
        end as break_key,
        lifecycle_anomalies.event_date as business_date,
        lifecycle_anomalies.account_id,
        null::text as sku,
        lifecycle_anomalies.event_type,
        null::text as currency,
        null::numeric as expected,
        null::numeric as actual,
        null::numeric as difference,
        inbox_files.file_name,
        lifecycle_anomalies.line_number,
        lifecycle_anomalies.event_id,
        lifecycle_anomalies.resource_id,
        lifecycle_anomalies.anomaly_type || ': ' || lifecycle_anomalies.event_type || ' event '
        || lifecycle_anomalies.event_id || ' of resource ' || lifecycle_anomalies.resource_id
        || coalesce(' - ' || lifecycle_anomalies.detail, '') as detail
    from lifecycle_anomalies
    left join inbox_files on lifecycle_anomalies.file_id = inbox_files.file_id
),

held as (
    select
        'held_event' as issue_type,
        held_events.event_id as break_key,
        held_events.event_date as business_date,
        held_events.account_id,
        null::text as sku,
        held_events.event_type,
        null::text as currency,
        null::numeric as expected,
        null::numeric as actual,
        null::numeric as difference,
        inbox_files.file_name,
        held_events.line_number,
        held_events.event_id,
        held_events.resource_id,
        held_events.event_type || ' event ' || held_events.event_id || ' of resource ' || held_events.resource_id
        || ' held: ' || coalesce(held_events.held_reason, 'account not in the accounts master') as detail
    from held_events
    left join inbox_files on held_events.file_id = inbox_files.file_id
),

-- usage no price covers (rules §2.5), as fct_unpriced_usage publishes it: the rating's pieces and
-- term charges that are not priced
unpriced_usage as (
    select
        tenant,
        account_id,
        resource_id,
        sku,
        currency,
        usage_date,
        unpriced_reason as reason
    from usage_pieces
    where not is_priced
    union all
    select
        tenant,
        account_id,
        resource_id,
        sku,
        currency,
        usage_date,
        unpriced_reason as reason
    from term_charges
    where not is_priced
),

-- one break per day, account and SKU, both tenants together (the simulator's truth does the same)
unpriced_days as (
    select
        usage_date,
        account_id,
        sku,
        min(currency) as currency,
        count(distinct resource_id) as resource_count,
        string_agg(distinct tenant, ', ' order by tenant) as tenants,
        string_agg(distinct reason, '; ' order by reason) as reasons
    from unpriced_usage
    group by usage_date, account_id, sku
),

unpriced as (
    select
        'unpriced_usage' as issue_type,
        usage_date || '|' || account_id || '|' || sku as break_key,
        usage_date as business_date,
        account_id,
        sku,
        null::text as event_type,
        currency,
        null::numeric as expected,
        null::numeric as actual,
        null::numeric as difference,
        null::text as file_name,
        null::integer as line_number,
        null::text as event_id,
        null::text as resource_id,
        'no ' || tenants || ' price for ' || sku || ' in ' || currency || ' (' || resource_count
        || ' resource(s))' || coalesce(': ' || reasons, '') as detail
    from unpriced_days
),

-- freshness: inputs due by the run's clock that have not arrived (the landing's int_inbox_files_expected),
-- one break per file, keyed by its name; the file's arrival resolves it. The checks that read the file
-- do not compare its day meanwhile (int_recon_day_inputs; L3 compares a period once its finance file is in).
missing_files as (
    select
        'missing_file' as issue_type,
        file_name as break_key,
        business_date,
        null::text as account_id,
        null::text as sku,
        null::text as event_type,
        null::text as currency,
        null::numeric as expected,
        null::numeric as actual,
        null::numeric as difference,
        file_name,
        null::integer as line_number,
        null::text as event_id,
        null::text as resource_id,
        file_kind || ' file ' || file_name || ' was due at '
        || to_char(due_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') || ' and has not arrived; '
        || case file_kind
            when 'orders' then 'L1 and L2 of ' || business_date || ' wait for it'
            when 'primary_billing' then 'L1 of ' || business_date || ' waits for it'
            when 'control' then 'L2 of ' || business_date || ' waits for it'
            when 'finance_gl' then 'L3 of ' || to_char(business_date, 'YYYY-MM') || ' waits for it'
            else 'no check waits for it'
        end as detail
    from expected_files
    where not has_arrived
),

-- periods and currencies with invoice lines but no rate to USD (the finance models' int_fx_rates_missing)
fx_missing as (
    select
        'missing_fx_rate' as issue_type,
        to_char(billing_period, 'YYYY-MM') || '|' || currency as break_key,
        billing_period as business_date,
        null::text as account_id,
        null::text as sku,
        null::text as event_type,
        currency,
        null::numeric as expected,
        null::numeric as actual,
        null::numeric as difference,
        null::text as file_name,
        null::integer as line_number,
        null::text as event_id,
        null::text as resource_id,
        detail
    from missing_fx_rates
),

-- catalogue units FOCUS's Unit Format cannot read (int_skus_focus_units): the FOCUS export carries them as
-- given; keyed by the unit, so a corrected catalogue resolves the break and another wrong unit opens a new one
unnormalised_units as (
    select
        'unnormalised_unit' as issue_type,
        sku_units.sku || '|' || coalesce(sku_units.unit, '') as break_key,
        coalesce(inbox_files.business_date, (inbox_files.processed_at at time zone 'UTC')::date) as business_date,
        null::text as account_id,
        sku_units.sku,
        null::text as event_type,
        null::text as currency,
        null::numeric as expected,
        null::numeric as actual,
        null::numeric as difference,
        inbox_files.file_name,
        sku_units.line_number,
        null::text as event_id,
        null::text as resource_id,
        'SKU ' || sku_units.sku || ': unit ''' || coalesce(sku_units.unit, '') || ''' (' || sku_units.charge_type
        || ') is not in FOCUS''s Unit Format; the FOCUS export carries it as given' as detail
    from sku_units
    left join inbox_files on sku_units.file_id = inbox_files.file_id
    where not sku_units.is_normalised
),

issues as (
    select * from quarantined
    union all
    select * from rejected
    union all
    select * from currency_changes
    union all
    select * from anomalies
    union all
    select * from held
    union all
    select * from unpriced
    union all
    select * from missing_files
    union all
    select * from fx_missing
    union all
    select * from unnormalised_units
),

-- the break shape, with the issue's type
final as (
    select
        issues.issue_type,
        {{ recon_break_shape(relation='issues') }}
    from issues
)

select * from final
