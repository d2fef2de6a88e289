# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
export AIRFLOW_HOME ?= $(CURDIR)/.local/airflow
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
DEMO_DIR := .local/demo
DEMO_ACCOUNTS ?= 40

.PHONY: install manifest test demo lint bench clean airflow-db airflow airflow-stop focus-venv browser pdf-tools lock rules-index \
	bi bi-stop superset-venv

install: $(STAMP) $(MANIFEST)

# The venv and its packages; reinstalled only when requirements or pyproject change.
$(STAMP): requirements.lock pyproject.toml
	@command -v python3.11 >/dev/null || { echo "python3.11 is required"; exit 1; }
	@test -x $(PY) || python3.11 -m venv $(VENV)
	@test -x $(UV) || { $(PY) -m pip --version >/dev/null 2>&1 || $(PY) -m ensurepip >/dev/null; $(PY) -m pip install -q uv; }
	# bytecode compiled at install: the dag-processor (and CI) may run with PYTHONDONTWRITEBYTECODE,
	# and compiling Airflow's and Cosmos' modules at every DAG parse tripled transform_billing's parse time
	$(UV) pip install -q -p $(PY) --compile-bytecode -r requirements.lock
	$(UV) pip install -q -p $(PY) --no-deps -e .
	@touch $(STAMP)

# Cosmos renders the DAG from dbt's manifest (never `dbt ls` at parse time).
$(MANIFEST): $(STAMP) $(shell find dbt_project -name '*.sql' -o -name '*.yml' -o -name '*.csv' | grep -v target/)
	@cd dbt_project && ../$(VENV)/bin/dbt parse --profiles-dir . --quiet
	@touch $(MANIFEST)

# Airflow 3 on this machine: api-server (127.0.0.1:$${AIRFLOW_PORT:-8080}), scheduler, dag-processor, triggerer,
# LocalExecutor; metadata in the embedded cluster; the DAGs read the demo inbox (simulated here if missing).
airflow: install
	@test -d $(DEMO_DIR)/inbox || $(VENV)/bin/iaas-billing simulate --out $(DEMO_DIR) --start 2026-10-01 \
	  --end 2026-11-01 --accounts $(DEMO_ACCOUNTS) --seed 7 --quiet
	@$(VENV)/bin/iaas-billing init >/dev/null
	@BILLING_INBOX_DIR=$${BILLING_INBOX_DIR:-$(CURDIR)/$(DEMO_DIR)/inbox} $(PY) -m iaas_billing.cli.local_airflow start

airflow-stop:
	@$(PY) -m iaas_billing.cli.local_airflow stop

airflow-db: install
	@mkdir -p $(AIRFLOW_HOME)
	@test -f $(AIRFLOW_HOME)/airflow.db || $(VENV)/bin/airflow db migrate >/dev/null
	@# every warehouse-writing task runs in this pool (plugins/billing_airflow/pools.py): writers queue for its slot
	@$(VENV)/bin/airflow pools set billing_warehouse 1 "one warehouse writer at a time (iaas_billing.base.locks)" >/dev/null

# focus-validator 2.2.1 needs Python 3.12: its own venv under .local/focus-venv (idempotent, instant when present).
focus-venv: install
	$(PY) tests/finance/focus_validator.py

# Apache Superset (docs/bi.md): its own venv .local/superset-venv from bi/requirements-superset.lock (never the
# project's .venv), metadata in SQLite under .local/superset, the dashboards of bi/dashboards; 127.0.0.1:$${BI_PORT:-8088}.
superset-venv: install
	@$(PY) -m iaas_billing.cli.bi venv

bi: install
	@$(VENV)/bin/iaas-billing init >/dev/null
	@$(PY) -m iaas_billing.cli.bi start

bi-stop:
	@$(PY) -m iaas_billing.cli.bi stop

# Headless Chromium for the finance pack's browser test: Debian's package when missing (root only).
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Chromium (apt-get install chromium)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
	      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; \
	  else echo "the report's browser test needs Chromium: install it (apt-get install chromium)"; exit 1; fi; }

# pdftoppm and pdftotext (Debian's poppler-utils) for the invoice PDFs' tests: apt-get when missing (root only).
pdf-tools:
	@{ command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing poppler-utils (apt-get install poppler-utils)"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils >/dev/null \
	      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils >/dev/null; }; \
	  else echo "the invoice PDF tests need pdftoppm and pdftotext: install them (apt-get install poppler-utils)"; exit 1; fi; }

# docs/rules-index.md and the lines under each rule of docs/rules.md, from the rule tags (docs/rules.md, preamble).
rules-index: install
	$(PY) -m tests.docs.rules_index

lock:
	uv pip compile -q -p 3.11 requirements.txt -o requirements.lock
	uv pip compile -q -p 3.11 bi/requirements-superset.in -o bi/requirements-superset.lock

test: install focus-venv superset-venv browser pdf-tools
	$(VENV)/bin/ruff check include tests dags bench plugins
	$(VENV)/bin/ruff check --select AIR3 dags
	$(VENV)/bin/pytest -q -n 2 --dist loadfile

demo: install
	$(VENV)/bin/python -m iaas_billing.cli.demo --dir $(DEMO_DIR) --accounts $(DEMO_ACCOUNTS)

lint: install
	$(VENV)/bin/ruff check include tests dags bench plugins
	$(VENV)/bin/sqlfluff lint dbt_project/models --templater jinja --disable-progress-bar

bench: install
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf .local dbt_project/target $(VENV)
