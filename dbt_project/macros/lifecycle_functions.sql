{#-
    The resource lifecycle state machine of rules §3, as Postgres functions that the
    rating models call set-based (no loops):

    - lifecycle_transition(state, event_type): the state after the event, or null when the table
      does not allow the event from that state (it is then not applied: a lifecycle anomaly).
    - lifecycle_state_agg(event_type): an aggregate whose running value, used as a window function
      ordered by (event_at, event_seq), is the resource's state after each event. Its state starts
      at 'NEW' (no CREATE yet) and keeps its value on an event that is not allowed.

    Created by on-run-start (dbt_project.yml) in the intermediate schema, idempotently, in one DO block
    under an advisory lock: under Cosmos every model is its own dbt invocation, so several on-run-starts
    can run at once, and concurrent CREATE OR REPLACE of one function fails ("tuple concurrently updated").
-#}
{% macro create_lifecycle_functions() %}
do $do$
begin
    perform pg_advisory_xact_lock({{ var('lock_keys')['lifecycle_functions'] }});

    create schema if not exists intermediate;

    create or replace function intermediate.lifecycle_transition(current_state text, event_type text)
    returns text
    language sql
    immutable
    parallel safe
    as $fn$
        select case
            when current_state = 'NEW' and event_type = 'CREATE' then 'RUNNING'
            when current_state in ('RUNNING', 'STOPPED') and event_type = 'SUSPEND' then 'SUSPENDED'
            when current_state = 'SUSPENDED' and event_type = 'RESUME' then 'RUNNING'
            when current_state = 'RUNNING' and event_type = 'SHUTDOWN' then 'STOPPED'
            when current_state = 'STOPPED' and event_type = 'START' then 'RUNNING'
            when current_state in ('RUNNING', 'SUSPENDED', 'STOPPED') and event_type = 'MODIFY' then current_state
            when current_state in ('RUNNING', 'SUSPENDED', 'STOPPED') and event_type = 'DECOMMISSION'
                then 'DECOMMISSIONED'
        end
    $fn$;

    create or replace function intermediate.lifecycle_state_step(current_state text, event_type text)
    returns text
    language sql
    immutable
    parallel safe
    as $fn$
        select coalesce(intermediate.lifecycle_transition(current_state, event_type), current_state)
    $fn$;

    create or replace aggregate intermediate.lifecycle_state_agg(text) (
        sfunc = intermediate.lifecycle_state_step,
        stype = text,
        initcond = 'NEW'
    );
end
$do$;
{% endmacro %}
