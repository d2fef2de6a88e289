{#-
    Session settings of the big models (docs/benchmarks.md, docs/scaling.md): pre- and post-hooks that change
    how Postgres executes a model's statement, never its result. `set local` lasts until the model's
    transaction ends, so nothing leaks into the next node run on the same connection.
-#}

{#-
    Pre-hook: enough memory to hash and sort in memory (and to build the model's indexes, created in the same
    transaction), and no JIT (each statement runs once: compiling it buys nothing).
-#}
{% macro speed_settings(work_mem='256MB') -%}
    set local work_mem = '{{ work_mem }}';
    set local maintenance_work_mem = '512MB';
    set local jit = off
{%- endmacro %}

{#- Post-hook: fresh planner statistics for the models built after this one (autovacuum may be off or late). -#}
{% macro analyze_this() -%}
    analyze {{ this }}
{%- endmacro %}
