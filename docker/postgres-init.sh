#!/usr/bin/env bash
# First start of the compose Postgres: Airflow's metadata database and the pipeline's login roles.
# Passwords come from the environment (.env), never from the repo.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$BILLING_DB" <<SQL
create role ${AIRFLOW_DB_USER} login password '${AIRFLOW_DB_PASSWORD}';
create database airflow owner ${AIRFLOW_DB_USER};
create role ${BILLING_LOADER_USER} login password '${BILLING_LOADER_PASSWORD}';
create role ${BILLING_TRANSFORMER_USER} login password '${BILLING_TRANSFORMER_PASSWORD}';
grant create, connect on database ${BILLING_DB} to ${BILLING_TRANSFORMER_USER};
grant connect on database ${BILLING_DB} to ${BILLING_LOADER_USER};
SQL
