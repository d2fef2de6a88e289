"""docker-compose.yml checked statically (no Docker engine runs on our machines)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LOCAL_AIRFLOW = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")
BI = ("bi-init", "metabase", "metabase-setup")
CELERY = ("redis", "airflow-worker")


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _example() -> dict[str, str]:
    return dict(re.findall(r"^([A-Z_]+)=(.*)$", (ROOT / ".env.example").read_text(), flags=re.M))


def _config(name: str) -> str:
    """An inline config's content as the container sees it (Compose turns `$$` into `$`)."""
    return _compose()["configs"][name]["content"].replace("$$", "$")


def _healthy(service: dict, dependency: str) -> bool:
    return service["depends_on"][dependency]["condition"] == "service_healthy"


def test_services_images_and_mounts():
    services = _compose()["services"]
    assert services["postgres"]["image"] == "postgres:18"  # the embedded default's major version
    for name in (*LOCAL_AIRFLOW, "airflow-init", "airflow-worker"):
        svc = services[name]
        # every Airflow container runs the project's image (Dockerfile), so each can import the task code
        assert svc["build"]["dockerfile"] == "Dockerfile" and svc["image"].startswith("iaas-billing-airflow:3."), name
        assert ".:/opt/project" in svc["volumes"], f"{name} does not mount the project"
        # one executor setting for every Airflow service; LocalExecutor unless .env chooses Celery
        assert svc["environment"]["AIRFLOW__CORE__EXECUTOR"] == "${AIRFLOW_EXECUTOR:-LocalExecutor}", name
        assert "postgres:5432/airflow" in svc["environment"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert _example()["AIRFLOW_EXECUTOR"] == "LocalExecutor"
    for name in ("postgres", *LOCAL_AIRFLOW, *CELERY, "metabase"):
        assert "healthcheck" in services[name], f"{name} has no health check"


def test_the_airflow_image_has_the_locked_requirements_and_the_package():
    dockerfile = (ROOT / "Dockerfile").read_text()
    (base,) = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    assert re.fullmatch(r"apache/airflow:3\.\d+\.\d+-python3\.11", base), base
    installs = re.findall(r"^RUN pip install (.*)$", dockerfile, re.M)
    assert any("-r /opt/project/requirements.lock" in i for i in installs), installs
    assert any("-e /opt/project" in i for i in installs), installs
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".local", ".git"} <= set(ignored)  # no local state or credentials in the build context


def test_images_are_pinned():
    for name, svc in _compose()["services"].items():
        image, _, tag = svc["image"].rpartition(":")
        assert image and tag and tag != "latest" and re.search(r"\d", tag), f"{name}: {svc['image']} is not pinned"
    services = _compose()["services"]
    for name in ("metabase", "redis"):  # the new images are pinned to a release, not a moving major tag
        assert re.search(r":v?\d+\.\d+\.\d+", services[name]["image"]), services[name]["image"]


def test_profiles_leave_the_default_stack_alone():
    services = _compose()["services"]
    assert {n for n, s in services.items() if s.get("profiles") == ["bi"]} == set(BI)
    assert {n for n, s in services.items() if s.get("profiles") == ["celery"]} == set(CELERY)
    for name, svc in services.items():
        if "profiles" in svc:
            continue
        for dependency, spec in svc.get("depends_on", {}).items():
            # a service that always runs may wait for a profile's service only if it is optional
            assert "profiles" not in services[dependency] or spec.get("required") is False, (name, dependency)


def test_bi_profile_metabase_reads_the_warehouse_as_billing_finance():
    services = _compose()["services"]
    metabase = services["metabase"]
    env = metabase["environment"]
    assert metabase["ports"] == ["127.0.0.1:3000:3000"]
    assert "/api/health" in " ".join(metabase["healthcheck"]["test"])
    # Metabase's application database is its own, on the same server, never the warehouse
    assert (env["MB_DB_TYPE"], env["MB_DB_HOST"], env["MB_DB_DBNAME"]) == ("postgres", "postgres", "metabase")
    assert env["MB_DB_USER"] == "${METABASE_DB_USER}" and env["MB_DB_PASS"] == "${METABASE_DB_PASSWORD}"
    assert env["MB_ENCRYPTION_SECRET_KEY"] == "${METABASE_ENCRYPTION_SECRET_KEY}"
    assert _healthy(metabase, "postgres")
    assert metabase["depends_on"]["bi-init"]["condition"] == "service_completed_successfully"
    assert _healthy(services["bi-init"], "postgres") and _healthy(services["metabase-setup"], "metabase")
    assert len(_example()["METABASE_ENCRYPTION_SECRET_KEY"]) >= 16  # Metabase refuses a shorter key

    # bi-init: the warehouse login is a member of billing_finance and nothing more
    sql = _config("bi_init_sql")
    assert services["bi-init"]["entrypoint"][-1] == "/bi-init.sql"
    assert [c["target"] for c in services["bi-init"]["configs"]] == ["/bi-init.sql"]
    assert "select format('grant billing_finance to %I', :'wh_user') \\gexec" in sql
    assert re.findall(r"\bgrant\b[^;\n]*", sql, flags=re.I) == ["grant billing_finance to %I', :'wh_user') \\gexec"]
    assert "nosuperuser nocreatedb nocreaterole" in sql and "create database metabase owner" in sql
    for variable in ("METABASE_DB_USER", "METABASE_DB_PASSWORD", "METABASE_WAREHOUSE_USER",
                     "METABASE_WAREHOUSE_PASSWORD"):
        assert re.search(rf"^\\getenv \w+ {variable}$", sql, flags=re.M), variable
        assert services["bi-init"]["environment"][variable] == "${" + variable + "}"
    assert "do $$" in sql and "create role billing_finance nologin" in sql  # 040_roles.sql's guard, same role

    # metabase-setup: a valid script that connects as the warehouse login, schema marts only
    script = _config("metabase_setup_py")
    compile(script, "metabase-setup.py", "exec")
    assert '"user": os.environ["METABASE_WAREHOUSE_USER"]' in script
    assert '"schema-filters-type": "inclusion", "schema-filters-patterns": "marts"' in script
    assert services["metabase-setup"]["environment"]["METABASE_WAREHOUSE_PASSWORD"] == "${METABASE_WAREHOUSE_PASSWORD}"


def test_celery_profile_scales_airflow_out_with_redis():
    services = _compose()["services"]
    worker, redis = services["airflow-worker"], services["redis"]
    scheduler = services["airflow-scheduler"]
    env = worker["environment"]
    # the workers run what the scheduler queues: same image, mounts (dags, include, dbt_project) and settings
    assert worker["image"] == scheduler["image"] and worker["volumes"] == scheduler["volumes"]
    for key, value in scheduler["environment"].items():
        assert env[key] == value, key
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://:${REDIS_PASSWORD}@redis:6379/0"
    # metadata and Celery results in Airflow's own database, not the warehouse (${BILLING_DB})
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].endswith("@postgres:5432/airflow")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert "BILLING_DB" not in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    command = "\n".join(worker["command"])
    assert '"$AIRFLOW__CORE__EXECUTOR" != CeleryExecutor' in command.replace("$$", "$")  # refuses the wrong executor
    assert "exec airflow celery worker" in command
    assert "celery_executor.app inspect ping" in " ".join(worker["healthcheck"]["test"])
    assert _healthy(worker, "redis") and _healthy(worker, "postgres")
    assert worker["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
    assert "redis-server --requirepass" in " ".join(redis["command"]) and "ping" in " ".join(redis["healthcheck"]["test"])
    assert redis["environment"]["REDIS_PASSWORD"] == "${REDIS_PASSWORD}" and "ports" not in redis
    for name in LOCAL_AIRFLOW:  # the scheduler & co. wait for the broker when it runs, and never need it
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy", "required": False}


def test_every_variable_is_in_env_example_and_no_secret_in_repo():
    compose_text = (ROOT / "docker-compose.yml").read_text()
    text = compose_text + (ROOT / "docker" / "postgres-init.sh").read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)(?::-[^}]*)?\}", text)) - {"HOSTNAME"}
    example = _example()
    assert used <= set(example), f"missing from .env.example: {sorted(used - set(example))}"
    # Compose interpolates every `$`: a literal one is `$$`, anything else must be a ${VARIABLE}
    assert not re.findall(r"\$(?!\{)", compose_text.replace("$$", "")), "unescaped $ in docker-compose.yml"
    # Every line that sets a password takes it from the environment: a ${..._PASSWORD} interpolation, a
    # container's $$..._PASSWORD, in the inline SQL a psql variable read by \getenv, in the script os.environ.
    psql_variables = set(re.findall(r"\\getenv (\w+) \w+_PASSWORD", compose_text))
    for line in text.splitlines():
        if "password" in line.lower() and not line.lstrip().startswith(("#", "--")):
            from_env = ("${" in line and "PASSWORD}" in line) or re.search(r"\$\$\w+_PASSWORD\b", line)
            from_psql = any(f":'{v}'" in line for v in psql_variables) or re.search(r"\\getenv \w+ \w+_PASSWORD", line)
            from_python = 'os.environ["METABASE_' in line or re.search(r'"password": secret\b', line)
            assert from_env or from_psql or from_python, line
    for name, value in example.items():
        if name.endswith(("PASSWORD", "SECRET_KEY")):
            assert value.startswith("change-me"), name
    for svc in _compose()["services"].values():
        for key, value in (svc.get("environment") or {}).items():
            if re.search(r"PASS|SECRET|KEY", key):
                assert re.fullmatch(r"\$\{[A-Z_]+\}", str(value)), (key, value)


def test_compose_config_when_plugin_present():
    docker = shutil.which("docker")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True) if docker else None
    if probe is None or probe.returncode != 0:
        # The compose plugin is not installed here: the static checks above are the test.
        assert _compose()["services"]
        return
    env_file = ROOT / ".env"
    created = not env_file.exists()
    if created:
        shutil.copy(ROOT / ".env.example", env_file)
    try:
        for profiles in ([], ["--profile", "bi"], ["--profile", "celery"]):
            out = subprocess.run([docker, "compose", *profiles, "config", "-q"], cwd=ROOT, capture_output=True,
                                 text=True)
            assert out.returncode == 0, (profiles, out.stderr)
    finally:
        if created:
            env_file.unlink()
