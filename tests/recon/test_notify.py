"""iaas_billing.jobs.notify: the log by default, a dotted-path setting to plug another channel."""

from __future__ import annotations

import logging

import pytest

from iaas_billing.base.errors import BillingError
from iaas_billing.jobs import notify

from . import channel
from .channel import SENT

CHANNEL = channel.__name__  # the module as this run imported it (tests.recon.channel or recon.channel)


def test_default_notifier_logs(monkeypatch, caplog):
    monkeypatch.delenv(notify.SETTING, raising=False)
    with caplog.at_level(logging.INFO, logger="iaas_billing.jobs.notify"):
        note = notify.notify("3 open breaks", "L1 2, L2 1", severity="warning")
    assert note.severity == "warning"
    record = next(r for r in caplog.records if r.name == "iaas_billing.jobs.notify")
    assert record.levelno == logging.WARNING and "3 open breaks" in record.getMessage()


@pytest.mark.parametrize("path", [CHANNEL + ":remember", CHANNEL + ".remember"])
def test_setting_plugs_another_notifier(monkeypatch, path):
    monkeypatch.setenv(notify.SETTING, path)
    SENT.clear()
    notify.notify("subject", "body", severity="info", payload={"n": 1})
    assert [(n.subject, n.body, n.payload) for n in SENT] == [("subject", "body", {"n": 1})]


def test_a_failing_notifier_falls_back_to_the_log(monkeypatch, caplog):
    monkeypatch.setenv(notify.SETTING, CHANNEL + ":broken")
    with caplog.at_level(logging.INFO, logger="iaas_billing.jobs.notify"):
        notify.notify("still told", severity="error")
    assert any("still told" in r.getMessage() for r in caplog.records)


def test_a_bad_setting_is_named(monkeypatch):
    monkeypatch.setenv(notify.SETTING, "no.such.module:send")
    with pytest.raises(BillingError, match="BILLING_NOTIFIER"):
        notify.notify("x")
    with pytest.raises(ValueError):
        notify.notify("x", severity="loud", notifier=CHANNEL + ":remember")
