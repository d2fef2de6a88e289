"""Alerts: one function, `notify`, whose delivery is pluggable.

By default a notification is written to the `iaas_billing.jobs.notify` logger (WARNING for warnings and
errors, INFO otherwise). Set `BILLING_NOTIFIER` to the dotted path of a callable that takes one
`Notification` (`package.module.function` or `package.module:function`) to send it elsewhere
(Slack, e-mail, a pager): the project ships no such integration and needs no credentials.
A notifier that fails is logged and never breaks the pipeline that raised the alert.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from iaas_billing.base.errors import BillingError

log = logging.getLogger("iaas_billing.jobs.notify")

SETTING = "BILLING_NOTIFIER"
SEVERITIES = ("info", "warning", "error")


@dataclass(frozen=True)
class Notification:
    subject: str
    body: str = ""
    severity: str = "info"
    payload: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"[{self.severity}] {self.subject}" + (f"\n{self.body}" if self.body else "")


def log_notifier(note: Notification) -> None:
    """The default notifier: the log."""
    level = logging.INFO if note.severity == "info" else logging.WARNING
    log.log(level, "%s", note)


def load_notifier(path: str | None = None) -> Callable[[Notification], Any]:
    """The callable named by `path` (default: the BILLING_NOTIFIER setting), or the log notifier."""
    path = path if path is not None else os.environ.get(SETTING, "")
    if not path.strip():
        return log_notifier
    module_name, sep, attr = path.strip().partition(":")
    if not sep:
        module_name, _, attr = module_name.rpartition(".")
    try:
        target = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise BillingError(f"{SETTING}={path!r} does not name an importable callable ({exc})") from exc
    if not callable(target):
        raise BillingError(f"{SETTING}={path!r} is not callable")
    return target


def notify(subject: str, body: str = "", *, severity: str = "info", payload: dict | None = None,
           notifier: str | None = None) -> Notification:
    """Send one alert through the configured notifier; returns what was sent."""
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
    note = Notification(subject=subject, body=body, severity=severity, payload=dict(payload or {}))
    send = load_notifier(notifier)
    try:
        send(note)
    except Exception:  # noqa: BLE001 - an alert channel that is down must not fail the run
        log.exception("notifier %s failed; the alert was: %s", getattr(send, "__name__", send), note)
        if send is not log_notifier:
            log_notifier(note)
    return note
