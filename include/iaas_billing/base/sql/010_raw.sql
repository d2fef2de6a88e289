-- Raw landing: written only by the loader (iaas_billing.landing), one row per accepted input row.
-- Every table keeps the original record (the CSV record or JSON line as it came) next to the typed columns.
-- The row tables carry only what landing needs and pays for per row: their file_id has no foreign key
-- (a per-row trigger that would more than double the cost of a load). The landing transaction writes a
-- file's rows with its manifest row and recounts them before commit; the dbt source tests
-- (relationships to inbox_files) check file_id on every build. The low-volume quarantined_rows and
-- superseded_rows keep theirs.
-- Idempotent: applied by every bootstrap; the DO blocks bring a warehouse made by an older version up to date.
create schema if not exists raw;
create schema if not exists billing;
create schema if not exists audit;
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists marts;

-- One row per version of an inbox file. A file is identified by name + sha256: the same content as the
-- name's latest version is skipped, other content is the next version. rows_read = rows_loaded + rows_quarantined.
-- processed_at is the run's clock (--as-of, so reruns give identical marts); landed_at is the wall clock.
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
    processed_at timestamptz not null,
    landed_at timestamptz not null default now(),
    unique (file_name, version),
    constraint rows_conserved check (rows_read = rows_loaded + rows_quarantined),
    constraint rows_not_negative check (rows_loaded >= 0 and rows_quarantined >= 0),
    constraint version_positive check (version >= 1),
    constraint sha256_is_hex check (sha256 ~ '^[0-9a-f]{64}$'),
    constraint known_file_kind check (file_kind in (
        'catalog', 'accounts', 'orders', 'control', 'primary_billing', 'finance_gl', 'fx_rates',
        'tax_rates', 'sales_entities', 'unknown')),
    -- 'landing' exists only inside the transaction that lands the file.
    constraint known_status check (status in (
        'landing', 'landed', 'landed_with_quarantine', 'quarantined', 'rejected', 'unknown_kind'))
);

-- One row per rejected input record, numbered by its (first) physical line: CSV header = line 1,
-- JSONL first line = line 1. reason_code groups reasons; reason is the sentence a person reads.
create table if not exists raw.quarantined_rows (
    file_id bigint not null references raw.inbox_files (file_id),
    file_name text not null,
    line_number integer not null,
    reason_code text not null,
    reason text not null,
    raw_record text not null,
    primary key (file_id, line_number)
);

create table if not exists raw.catalog_prices (
    file_id bigint not null,
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
    file_id bigint not null,
    line_number integer not null,
    account_id text not null,
    account_name text not null,
    country text not null,
    currency text not null,
    created_at timestamptz not null,
    tax_id text,                      -- optional column (rules §9): null where empty or absent
    payment_terms_days integer,       -- optional column (rules §9): null where empty or absent (30 applies)
    raw_record text not null,
    primary key (file_id, line_number)
);

-- Tax rate snapshots (rules §9): each accepted tax_rates_<YYYYMMDD>.csv lands whole or not at all (like a
-- catalogue upload); the newest snapshot is the tax table. snapshot_date is the file name's date.
create table if not exists raw.tax_rates (
    file_id bigint not null,
    line_number integer not null,
    snapshot_date date not null,
    country text not null,
    tax_name text not null,
    rate numeric(9, 6) not null,
    reverse_charge boolean not null,
    effective_from date not null,
    raw_record text not null,
    primary key (file_id, line_number),
    constraint rate_is_fraction check (rate >= 0 and rate <= 1)
);

-- Issuing entities of the sales office, one per country (rules §9): full snapshots, landed whole or not at all.
create table if not exists raw.sales_entities (
    file_id bigint not null,
    line_number integer not null,
    snapshot_date date not null,
    country text not null,
    legal_name text not null,
    address text not null,
    tax_registration_id text not null,
    raw_record text not null,
    primary key (file_id, line_number)
);

-- The first landing of each event_id (processing order, then line order). Later deliveries of the same
-- id go to order_event_repeats. content_hash = sha256 of the event's canonical form (docs/landing.md).
-- event_id is an opaque key with collation "C": a byte-ordered index, several times cheaper to maintain
-- (comparing it with default-collation text is fine: the result takes "C").
create table if not exists raw.order_events (
    file_id bigint not null,
    line_number integer not null,
    event_id text collate "C" not null primary key,
    event_time timestamptz not null,
    seq bigint not null,
    account_id text not null,
    resource_id text not null,
    resource_type text,
    region text,
    event_type text not null,
    components jsonb,
    content_hash text not null,
    raw_record text not null
);

create table if not exists raw.order_event_repeats (
    file_id bigint not null,
    line_number integer not null,
    event_id text collate "C" not null,
    content_hash text not null,
    is_conflict boolean not null,
    raw_record text not null,
    primary key (file_id, line_number)
);

-- Snapshot feeds (control, primary billing, finance, fx): the newest version of a file name replaces the
-- rows of its older versions, which keep their original records here.
create table if not exists raw.orderstream_control (
    file_id bigint not null,
    line_number integer not null,
    event_date date not null,
    account_id text not null,
    event_type text not null,
    event_count integer not null,
    raw_record text not null,
    primary key (file_id, line_number)
);

create table if not exists raw.primary_billing (
    file_id bigint not null,
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
    file_id bigint not null,
    line_number integer not null,
    period date not null,
    account_id text not null,
    currency text not null,
    posted_revenue numeric(24, 6) not null,
    raw_record text not null,
    primary key (file_id, line_number)
);

create table if not exists raw.fx_rates (
    file_id bigint not null,
    line_number integer not null,
    period date not null,
    currency text not null,
    usd_per_unit numeric(24, 10) not null,
    raw_record text not null,
    primary key (file_id, line_number)
);

-- Rows of a snapshot file's older version, moved out of their table when a newer version landed.
create table if not exists raw.superseded_rows (
    source_table text not null,
    file_id bigint not null references raw.inbox_files (file_id),
    line_number integer not null,
    raw_record text not null,
    superseded_by_file_id bigint not null references raw.inbox_files (file_id),
    superseded_at timestamptz not null default now(),
    primary key (file_id, line_number)
);

-- Closes the manifest row of a file being landed, in the landing's own transaction: the quarantine and
-- (for CSV feeds) raw.<loaded_table> are recounted by file_id, and a count that differs from what the
-- parser handed over raises, so the COMMIT sent after it never runs and the file leaves no trace.
-- loaded_table null: the order tables, whose landing statement returned its own counts.
create or replace function raw.close_inbox_file(
    p_file_id bigint, p_rows_read integer, p_rows_loaded integer, p_rows_quarantined integer,
    p_status text, p_detail text, p_loaded_table text
) returns void
language plpgsql
as $$
declare
    held_loaded bigint := p_rows_loaded;
    held_quarantined bigint;
begin
    select count(*) into held_quarantined from raw.quarantined_rows where file_id = p_file_id;
    if p_loaded_table is not null then
        execute format('select count(*) from raw.%I where file_id = $1', p_loaded_table)
            into held_loaded using p_file_id;
    end if;
    if held_loaded <> p_rows_loaded or held_quarantined <> p_rows_quarantined then
        raise exception 'the database holds % loaded and % quarantined rows for file_id %, the parser handed over % and %',
            held_loaded, held_quarantined, p_file_id, p_rows_loaded, p_rows_quarantined;
    end if;
    update raw.inbox_files
    set rows_read = p_rows_read, rows_loaded = p_rows_loaded, rows_quarantined = p_rows_quarantined,
        status = p_status, detail = p_detail
    where file_id = p_file_id and status = 'landing';
    if not found then
        raise exception 'file_id % is not being landed', p_file_id;
    end if;
end
$$;

-- How each inbox file looked (size, times, inode) when a run last read and hashed it: a later run does not read
-- a file whose stat is still exactly that (landing/stat_cache.py, git's index does the same). A cache only:
-- rows lost or wrong in a way that does not match the file cost one more read, never a missed version.
create table if not exists raw.inbox_file_stats (
    file_name text primary key,
    sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    size_bytes bigint not null,
    mtime_ns bigint not null,
    ctime_ns bigint not null,
    inode numeric not null,
    device numeric not null,
    hashed_at_ns bigint not null  -- the landing host's clock just before it looked at the file
);

-- The clock of the last run (as_of) and anything else the pipeline must remember between runs.
create table if not exists raw.pipeline_clock (
    singleton boolean primary key default true check (singleton),
    as_of timestamptz not null
);

-- Upgrades of a warehouse bootstrapped by the skeleton (each step checks the catalog first, so a current
-- warehouse takes no lock here).
do $$
declare
    fk text;
begin
    if exists (select 1 from pg_constraint where conname = 'inbox_files_file_name_sha256_key'
               and conrelid = 'raw.inbox_files'::regclass) then
        alter table raw.inbox_files drop constraint inbox_files_file_name_sha256_key;
    end if;
    if not exists (select 1 from information_schema.columns where table_schema = 'raw'
                   and table_name = 'inbox_files' and column_name = 'landed_at') then
        alter table raw.inbox_files add column landed_at timestamptz not null default now();
    end if;
    if not exists (select 1 from pg_constraint where conname = 'known_status'
                   and conrelid = 'raw.inbox_files'::regclass) then
        alter table raw.inbox_files
            add constraint rows_not_negative check (rows_loaded >= 0 and rows_quarantined >= 0),
            add constraint version_positive check (version >= 1),
            add constraint sha256_is_hex check (sha256 ~ '^[0-9a-f]{64}$'),
            add constraint known_file_kind check (file_kind in (
                'catalog', 'accounts', 'orders', 'control', 'primary_billing', 'finance_gl', 'fx_rates', 'unknown')),
            add constraint known_status check (status in (
                'landing', 'landed', 'landed_with_quarantine', 'quarantined', 'rejected', 'unknown_kind'));
    end if;
    if not exists (select 1 from information_schema.columns where table_schema = 'raw'
                   and table_name = 'quarantined_rows' and column_name = 'reason_code') then
        alter table raw.quarantined_rows add column reason_code text not null default 'unspecified';
        alter table raw.quarantined_rows alter column reason_code drop default;
    end if;
    -- rules §9: the tax feeds' kinds and the accounts file's optional columns
    if not exists (select 1 from pg_constraint where conname = 'known_file_kind'
                   and conrelid = 'raw.inbox_files'::regclass
                   and pg_get_constraintdef(oid) like '%tax_rates%') then
        alter table raw.inbox_files drop constraint if exists known_file_kind;
        alter table raw.inbox_files add constraint known_file_kind check (file_kind in (
            'catalog', 'accounts', 'orders', 'control', 'primary_billing', 'finance_gl', 'fx_rates',
            'tax_rates', 'sales_entities', 'unknown'));
    end if;
    alter table raw.accounts add column if not exists tax_id text,
                             add column if not exists payment_terms_days integer;
    -- What the order tables no longer carry (see above).
    if to_regclass('raw.order_events_resource_idx') is not null then
        drop index raw.order_events_resource_idx;
    end if;
    if to_regclass('raw.order_events_file_idx') is not null then
        drop index raw.order_events_file_idx;
    end if;
    for fk in
        select format('alter table %s drop constraint %I', conrelid::regclass, conname)
        from pg_constraint
        where contype = 'f' and confrelid = 'raw.inbox_files'::regclass
          and conrelid::regclass::text in ('raw.catalog_prices', 'raw.accounts', 'raw.orderstream_control',
                                           'raw.primary_billing', 'raw.finance_gl', 'raw.fx_rates')
    loop
        execute fk;
    end loop;
    if exists (select 1 from pg_constraint where conrelid = 'raw.order_events'::regclass
               and conname in ('order_events_file_id_line_number_key', 'order_events_file_id_fkey')) then
        alter table raw.order_events drop constraint if exists order_events_file_id_line_number_key,
                                     drop constraint if exists order_events_file_id_fkey;
    end if;
    if exists (select 1 from pg_constraint where conrelid = 'raw.order_event_repeats'::regclass
               and conname = 'order_event_repeats_file_id_fkey') then
        alter table raw.order_event_repeats drop constraint order_event_repeats_file_id_fkey;
    end if;
    if exists (select 1 from information_schema.columns where table_schema = 'raw' and table_name = 'order_events'
               and column_name = 'event_id' and collation_name is distinct from 'C') then
        alter table raw.order_events alter column event_id type text collate "C";
        alter table raw.order_event_repeats alter column event_id type text collate "C";
    end if;
end
$$;
