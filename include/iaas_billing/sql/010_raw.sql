-- Raw landing: written only by the loader (iaas_billing.landing), one row per accepted input row.
-- Every table keeps the original record next to the typed columns, for audit.
create schema if not exists raw;
create schema if not exists billing;
create schema if not exists audit;
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists marts;

-- One row per version of an inbox file (name + sha256). rows_read = rows_loaded + rows_quarantined.
create table if not exists raw.inbox_files (
    file_id bigserial primary key,
    file_name text not null,
    file_kind text not null,
    sha256 text not null,
    size_bytes bigint not null,
    version integer not null,
    delivered_at timestamptz,
    rows_read integer not null,
    rows_loaded integer not null,
    rows_quarantined integer not null,
    status text not null,
    detail text,
    processed_at timestamptz not null default now(),
    unique (file_name, sha256),
    unique (file_name, version),
    constraint rows_conserved check (rows_read = rows_loaded + rows_quarantined)
);

create table if not exists raw.quarantined_rows (
    file_id bigint not null references raw.inbox_files (file_id),
    file_name text not null,
    line_number integer not null,
    reason text not null,
    raw_record text not null,
    primary key (file_id, line_number)
);

create table if not exists raw.catalog_prices (
    file_id bigint not null references raw.inbox_files (file_id),
    line_number integer not null,
    sku text not null,
    product_name text not null,
    category text not null,
    charge_type text not null,
    unit text not null,
    tenant text not null,
    currency text not null,
    unit_price numeric(24, 6) not null,
    idle_unit_price numeric(24, 6) not null,
    effective_from date not null,
    raw_record text not null,
    primary key (file_id, line_number)
);

create table if not exists raw.accounts (
    file_id bigint not null references raw.inbox_files (file_id),
    line_number integer not null,
    account_id text not null,
    account_name text not null,
    country text not null,
    currency text not null,
    created_at timestamptz not null,
    raw_record text not null,
    primary key (file_id, line_number)
);

-- The first landing of each event_id. Later deliveries of the same id go to order_event_repeats.
create table if not exists raw.order_events (
    file_id bigint not null references raw.inbox_files (file_id),
    line_number integer not null,
    event_id text not null primary key,
    event_time timestamptz not null,
    seq bigint not null,
    account_id text not null,
    resource_id text not null,
    resource_type text,
    region text,
    event_type text not null,
    components jsonb,
    content_hash text not null,
    raw_record text not null,
    unique (file_id, line_number)
);
create index if not exists order_events_resource_idx on raw.order_events (resource_id, event_time, seq);
create index if not exists order_events_file_idx on raw.order_events (file_id);

create table if not exists raw.order_event_repeats (
    file_id bigint not null references raw.inbox_files (file_id),
    line_number integer not null,
    event_id text not null,
    content_hash text not null,
    is_conflict boolean not null,
    raw_record text not null,
    primary key (file_id, line_number)
);

create table if not exists raw.orderstream_control (
    file_id bigint not null references raw.inbox_files (file_id),
    line_number integer not null,
    event_date date not null,
    account_id text not null,
    event_type text not null,
    event_count integer not null,
    raw_record text not null,
    primary key (file_id, line_number)
);

create table if not exists raw.primary_billing (
    file_id bigint not null references raw.inbox_files (file_id),
    line_number integer not null,
    usage_date date not null,
    account_id text not null,
    sku text not null,
    currency text not null,
    amount numeric(24, 6) not null,
    raw_record text not null,
    primary key (file_id, line_number)
);

create table if not exists raw.finance_gl (
    file_id bigint not null references raw.inbox_files (file_id),
    line_number integer not null,
    period date not null,
    account_id text not null,
    currency text not null,
    posted_revenue numeric(24, 6) not null,
    raw_record text not null,
    primary key (file_id, line_number)
);

create table if not exists raw.fx_rates (
    file_id bigint not null references raw.inbox_files (file_id),
    line_number integer not null,
    period date not null,
    currency text not null,
    usd_per_unit numeric(24, 10) not null,
    raw_record text not null,
    primary key (file_id, line_number)
);

-- The clock of the last run (as_of) and anything else the pipeline must remember between runs.
create table if not exists raw.pipeline_clock (
    singleton boolean primary key default true check (singleton),
    as_of timestamptz not null
);
