-- Reconciliation results (iaas_billing.recon): written only by run_checks, never by dbt, so
-- `dbt build --full-refresh` cannot erase the memory of breaks. Published through
-- marts.fct_reconciliation_breaks and marts.fct_reconciliation_daily_summary. Idempotent DDL.
create schema if not exists audit;

-- One row per run of the checks (a log: a rerun adds a row here and changes nothing else).
create table if not exists audit.recon_runs (
    run_id bigserial primary key,
    as_of timestamptz not null,
    levels text[] not null,
    started_at timestamptz not null default clock_timestamp(),
    finished_at timestamptz,
    gx_success boolean,
    checks_evaluated integer,
    checks_failed integer,
    breaks_found integer,
    breaks_opened integer,
    breaks_reopened integer,
    breaks_updated integer,
    breaks_resolved integer,
    breaks_open integer
);

-- One row per run and check (one GX expectation = one break type): GX's verdict and count next
-- to the number of break rows the set-based writer recorded from the same query.
create table if not exists audit.recon_check_results (
    run_id bigint not null references audit.recon_runs (run_id),
    suite_name text not null,
    recon_level text not null,
    break_type text not null,
    gx_success boolean not null,
    gx_unexpected_count integer not null,
    breaks_written integer not null,
    primary key (run_id, recon_level, break_type)
);

-- The break register: every break ever seen, one row per break_id, with its current status.
create table if not exists audit.reconciliation_breaks (
    break_id text primary key,
    recon_level text not null,
    break_type text not null,
    break_key text not null,
    business_date date,
    account_id text,
    sku text,
    event_type text,
    expected numeric,
    actual numeric,
    difference numeric,
    currency text,
    file_name text,
    line_number integer,
    event_id text,
    resource_id text,
    detail text,
    status text not null check (status in ('open', 'resolved')),
    detected_at timestamptz not null,
    last_seen_at timestamptz not null,
    resolved_at timestamptz,
    times_reopened integer not null default 0,
    first_run_id bigint not null,
    constraint resolved_has_time check ((status = 'resolved') = (resolved_at is not null)),
    unique (recon_level, break_type, break_key)
);
-- columns added after the first release of this table (idempotent)
alter table audit.reconciliation_breaks add column if not exists event_type text;
alter table audit.reconciliation_breaks add column if not exists file_name text;
alter table audit.reconciliation_breaks add column if not exists line_number integer;
alter table audit.reconciliation_breaks add column if not exists event_id text;
alter table audit.reconciliation_breaks add column if not exists resource_id text;
create index if not exists reconciliation_breaks_status_idx
on audit.reconciliation_breaks (recon_level, status);

-- What happened to each break, run by run: opened, updated (its figures changed), resolved, reopened.
create table if not exists audit.reconciliation_break_events (
    break_id text not null references audit.reconciliation_breaks (break_id),
    run_id bigint not null references audit.recon_runs (run_id),
    as_of timestamptz not null,
    change text not null check (change in ('opened', 'updated', 'resolved', 'reopened')),
    expected numeric,
    actual numeric,
    difference numeric,
    detail text,
    primary key (break_id, run_id)
);
