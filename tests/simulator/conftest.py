"""Fixtures of the simulator tests: small simulations, written once per session (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from billing_simulator.simulation import Config, simulate


@pytest.fixture(scope="session")
def small_sim(tmp_path_factory):
    """One month, 14 accounts, default mess and discrepancy rates (every kind shows at least once)."""
    out = tmp_path_factory.mktemp("sim-small")
    simulate(Config(out=out, accounts=14, resources_per_account=6, seed=7))
    return out


@pytest.fixture(scope="session")
def clean_sim(tmp_path_factory):
    """The same arguments with --discrepancy-rate 0 --mess-rate 0 (late and redelivered events stay)."""
    out = tmp_path_factory.mktemp("sim-clean")
    simulate(Config(out=out, accounts=14, resources_per_account=6, seed=7, discrepancy_rate=0, mess_rate=0))
    return out


@pytest.fixture(scope="session")
def messy_sim(tmp_path_factory):
    """Every rate at 1: each event late, redelivered and (CREATE/MODIFY) conflicted, every kind of
    mess and discrepancy everywhere it can go."""
    out = tmp_path_factory.mktemp("sim-messy")
    simulate(Config(out=out, accounts=6, resources_per_account=5, seed=11, late_rate=1, duplicate_rate=1,
                    discrepancy_rate=1, mess_rate=1))
    return out


TWO_MONTHS = dict(accounts=6, resources_per_account=3, seed=20, late_rate=0.1, end=date(2026, 12, 1))


@pytest.fixture(scope="session")
def two_month_sim(tmp_path_factory):
    """October and November, the differential test's scenario (tests/rating/test_differential_simulator.py):
    the tax rate change from 1 November meets an adjustment line of October."""
    out = tmp_path_factory.mktemp("sim-two-months")
    simulate(Config(out=out, **TWO_MONTHS))
    return out


@pytest.fixture(scope="session")
def missing_rate_sim(tmp_path_factory):
    """The same with --missing-tax-rate AE."""
    out = tmp_path_factory.mktemp("sim-missing-rate")
    simulate(Config(out=out, **TWO_MONTHS, missing_tax_rate="AE"))
    return out
