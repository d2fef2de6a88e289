# The Airflow image every compose service runs (api-server, scheduler, dag-processor, triggerer, Celery
# workers): Airflow 3.3.2 with the project's locked requirements and the task package installed, so each
# container imports iaas_billing, Cosmos and dbt. docker-compose.yml mounts the checkout over /opt/project,
# so the editable install picks up local changes without a rebuild (rebuild when requirements change).
FROM apache/airflow:3.3.2-python3.11

COPY --chown=airflow:0 requirements.lock /opt/project/requirements.lock
RUN pip install --no-cache-dir -r /opt/project/requirements.lock

COPY --chown=airflow:0 pyproject.toml /opt/project/pyproject.toml
COPY --chown=airflow:0 include /opt/project/include
RUN pip install --no-cache-dir --no-deps -e /opt/project
