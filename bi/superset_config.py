"""Superset's configuration for `make bi` (iaas_billing.cli.bi): local, offline, metadata in SQLite under .local.

Read by Superset through SUPERSET_CONFIG_PATH; the paths come from the environment `make bi` sets.
"""

import os
import secrets
from pathlib import Path

HOME = Path(os.environ.get("SUPERSET_HOME", Path(__file__).resolve().parents[1] / ".local" / "superset"))
HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SUPERSET_SECRET_KEY, else one generated once into .local/superset/secret_key (never in the repository)."""
    if os.environ.get("SUPERSET_SECRET_KEY"):
        return os.environ["SUPERSET_SECRET_KEY"]
    path = HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(42))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{HOME / 'superset.db'}?check_same_thread=false"
DATA_DIR = str(HOME / "data")

# No example data, no telemetry, nothing fetched from outside this machine.
SUPERSET_LOAD_EXAMPLES = False
os.environ.setdefault("SCARF_ANALYTICS", "false")
# The default content security policy also allows the Scarf pixel and map tile servers: this one allows
# only this server, so the browser fetches nothing else.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
CONTENT_SECURITY_POLICY_WARNING = False

FEATURE_FLAGS = {"DASHBOARD_RBAC": False, "ALERT_REPORTS": False}
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
PREVENT_UNSAFE_DB_CONNECTIONS = True
ROW_LIMIT = 50000
