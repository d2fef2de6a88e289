"""One simulation, account by account: generate, deliver, rate, inject, write (bounded memory).

Everything an account needs (its resources, events, lines, rating, feed rows, and the events of
an account the CRM never lists that mess may put next to it) is made, written and dropped before
the next account. Accounts go in fixed chunks of `CHUNK_ACCOUNTS`, each written
into a folder of its own (optionally in worker processes); the chunks are then merged in account
order, and the hourly extracts are written from the per-day spills, sorted by a seeded key.
"""

from __future__ import annotations

import multiprocessing
import shutil
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from billing_simulator import accounts as accounts_mod
from billing_simulator import catalog as catalog_mod
from billing_simulator import discrepancies as disc
from billing_simulator import feeds, reference_tax, tax_truth, taxes
from billing_simulator.instants import DAY, HOUR, format_instant, instant_of, next_month, periods_between
from billing_simulator.lifecycle import INJECTED_KINDS, Quota, World, allocate_resources, plan_account
from billing_simulator.money import COUNTRIES, round_money
from billing_simulator.orderstream import (
    LATE_MAX_HOURS,
    MALFORMED_KINDS,
    OrderSpill,
    Rates,
    deliver_account,
    hours_of,
    orders_file_name,
    write_extracts,
)
from billing_simulator.reference_rater import Account, Event, InvoiceLine, PriceBook, rate
from billing_simulator.seeding import rng_for
from billing_simulator.truth import (
    DQ,
    TruthWriter,
    adjustments,
    break_row,
    file_line_breaks,
    transient_anomalies,
    write_truth,
)

GRACE = HOUR  # the bill run closes period M at its end + 1 hour (rules §5 default)
CHUNK_ACCOUNTS = 50  # accounts per unit of work; fixed, so the output does not depend on --jobs
TAIL_DAYS = LATE_MAX_HOURS * HOUR // DAY  # daily feeds run on for [end, end + 48 h), as the order stream
GHOST_RESOURCES = 2  # resources of an account the CRM never lists (a support plan and one more)


@dataclass(frozen=True)
class Config:
    out: Path
    start: date = date(2026, 10, 1)
    end: date = date(2026, 11, 1)
    accounts: int = 30
    seed: int = 1
    resources_per_account: int = 8
    late_rate: float = 0.03
    duplicate_rate: float = 0.02
    discrepancy_rate: float = 0.05
    mess_rate: float = 0.01
    missing_tax_rate: str | None = None  # a country left out of the tax table: its periods cannot close

    def check(self) -> None:
        if self.missing_tax_rate is not None and self.missing_tax_rate not in COUNTRIES:
            raise ValueError(f"--missing-tax-rate {self.missing_tax_rate} is not one of {', '.join(sorted(COUNTRIES))}")
        if self.end <= self.start:
            raise ValueError(f"--end {self.end} must be after --start {self.start}")
        if self.accounts < 1 or self.resources_per_account < 1:
            raise ValueError("--accounts and --resources-per-account must be at least 1")
        for name in ("late_rate", "duplicate_rate", "discrepancy_rate", "mess_rate"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"--{name.replace('_', '-')} must be between 0 and 1, not {value}")


@dataclass
class Summary:
    seconds: float
    files: int
    events: int
    lines: int
    resources: int
    params: dict


def _prepare(out: Path, force: bool) -> tuple[Path, Path, Path]:
    inbox, truth, tmp = out / "inbox", out / "truth", out / ".simulate-tmp"
    for d in (inbox, truth, tmp):
        if d.exists() and any(d.iterdir()):
            if not force:
                raise FileExistsError(f"{d} is not empty (use --force to replace it)")
            shutil.rmtree(d)
        d.mkdir(parents=True, exist_ok=True)
    return inbox, truth, tmp


class _Shared:
    """What every chunk needs, derived from the config alone (so each worker process rebuilds the same)."""

    def __init__(self, config: Config) -> None:
        seed, start, end = config.seed, config.start, config.end
        self.catalogue = catalog_mod.build_catalogue(seed, start, end)
        self.accounts = accounts_mod.plan_accounts(seed, config.accounts, start, end)
        self.currency_changes = accounts_mod.plan_currency_changes(seed, self.accounts, config.mess_rate, start,
                                                                   end)
        self.resources = allocate_resources(seed, config.accounts, config.resources_per_account)
        cat = self.catalogue
        self.world = World.of(seed, start, end, cat.new_sku_launch, cat.new_sku_upload, cat.new_skus)
        self.book = PriceBook(cat.price_rows())
        change = next((u.file_name for u in cat.uploads if "pricechange" in u.file_name), None)
        self.stale_book = PriceBook(cat.price_rows(without=change))  # what a primary system with a stale price list bills
        self.newsku_upload = next((u for u in cat.uploads if "newsku" in u.file_name), None)
        self.periods = periods_between(start, end)
        self.period_ends = [instant_of(next_month(p)) for p in self.periods]
        self.window = (instant_of(self.periods[0]), self.period_ends[-1])
        self.first_hour, self.last_hour = hours_of(start, end)
        self.days = [start + timedelta(days=k) for k in range((end - start).days)]
        # the daily feeds' days: the range, then the tail, where resources still running keep accruing
        self.feed_days = [start + timedelta(days=k) for k in range((end - start).days + TAIL_DAYS)]
        self.feed_end = end + timedelta(days=TAIL_DAYS)
        # the final rating covers the periods and the tail (its lines of other periods are not used)
        self.rating_window = (self.window[0], max(self.window[1], instant_of(self.feed_end)))
        self.price_after_close = {  # a price for the period delivered after its close: re-rate it all
            p: any(u.delivered_at > e + GRACE and any(instant_of(r.effective_from) < e for r in u.rows)
                   for u in cat.uploads) for p, e in zip(self.periods, self.period_ends, strict=True)}


_WORLDS: dict[Config, _Shared] = {}


def _world(config: Config) -> _Shared:
    if config not in _WORLDS:
        _WORLDS.clear()
        _WORLDS[config] = _Shared(config)
    return _WORLDS[config]


@dataclass
class ChunkResult:
    directory: Path
    discrepancies: list
    breaks: list
    counts: dict
    finance: dict
    stats: Counter
    control_rows: int
    primary_rows: int
    accounts: int
    feed_rows: Counter  # rows per daily feed file in this chunk's part
    feed_tagged: list  # (file, row number in the part, kind, account) of junk rows


def _run_chunk(config: Config, index: int, directory: Path) -> ChunkResult:
    """Accounts `index * CHUNK_ACCOUNTS ...`: generate, deliver, rate, inject, write into `directory`.

    The "at least one of each kind" quotas apply in the first chunk only, so that chunks are
    independent of each other (and of the order or process they run in).
    """
    w = _world(config)
    seed, start, end = config.seed, config.start, config.end
    directory.mkdir(parents=True, exist_ok=True)
    first = index * CHUNK_ACCOUNTS
    members = list(zip(w.accounts, w.resources, strict=True))[first:first + CHUNK_ACCOUNTS]
    rates = Rates(config.late_rate, config.duplicate_rate, config.mess_rate)
    owed = index == 0
    quotas = {
        "world": Quota(["suspension", "new_sku_unpriced"] + (["late_after_close"] if config.late_rate > 0 else []),
                       enabled=owed),
        "mess": Quota([*INJECTED_KINDS, "conflicting_duplicate", *MALFORMED_KINDS, *feeds.CSV_MALFORMED_KINDS,
                       "unknown_account"], enabled=owed and config.mess_rate > 0),
        "disc": Quota(disc.ALL_KINDS, enabled=owed and config.discrepancy_rate > 0),
    }
    daily_feeds = feeds.DailyFeeds(directory)
    spill = OrderSpill(directory)
    truth = TruthWriter(directory)
    finance_rows: dict[date, list[tuple[str, str, Decimal]]] = {p: [] for p in w.periods}
    stats: Counter = Counter()
    book, window = w.book, w.window
    feed_end = w.feed_end

    for account, n_resources in members:
        i = account.index
        ids = rng_for(seed, "event-ids", i)
        plans = plan_account(rng_for(seed, "resources", i), ids, w.world, account, n_resources, config.mess_rate,
                             quotas)
        disc_rng = rng_for(seed, "discrepancies", i)
        found = disc.inject_order_stream(plans, disc_rng, ids, config.discrepancy_rate, quotas["disc"])
        delivery = deliver_account(plans, rng_for(seed, "delivery", i), rates, quotas, w.period_ends, w.last_hour)
        spill.add(delivery.lines)
        control = feeds.control_counts(plans, start, feed_end)  # none on the tail days: nothing happens after end
        stats.update(delivery.stats)
        stats["resources"] += len(plans)
        stats["events_emitted"] += sum(1 for p in plans for e in p.events if not e.reemitted)
        stats["injected_anomalies"] += sum(1 for p in plans for e in p.events if e.injected)

        rater_account = account.as_rater_account()
        events = delivery.events
        final = rate(events, book, [rater_account], *w.rating_window)
        truth.daily(line for line in final.daily_lines if start <= line.usage_date < feed_end)

        so_daily = {(d.usage_date, d.sku): d.amount for d in final.daily_lines
                    if d.tenant == "SO" and start <= d.usage_date < end}
        so_tail = {(d.usage_date, d.sku): d.amount for d in final.daily_lines
                   if d.tenant == "SO" and end <= d.usage_date < feed_end}

        def stale_daily(events=events, rater_account=rater_account) -> dict:
            stale = rate(events, w.stale_book, [rater_account], *window)
            return {(d.usage_date, d.sku): d.amount for d in stale.daily_lines
                    if d.tenant == "SO" and start <= d.usage_date < end}

        primary, l1 = disc.inject_primary(account.account_id, account.currency, so_daily, stale_daily, plans, book,
                                          end, disc_rng, config.discrepancy_rate, quotas["disc"])
        found += l1
        # mess: a junk row in a day of the range, for a key with no other row (so no L1 / L2 break)
        skus = sorted({sku for plan in plans for e in plan.events for sku, _ in (e.components or ())})
        junk_primary, junk_control = feeds.malformed_rows(rng_for(seed, "csv-mess", i), config.mess_rate,
                                                          quotas["mess"], w.days, primary.keys() | so_daily.keys(),
                                                          control, skus)
        stats["malformed_csv:non_numeric_amount"] += len(junk_primary)
        stats["malformed_csv:negative_count"] += len(junk_control)
        primary.update(so_tail)  # the tail days: the reference lines, nothing injected
        daily_feeds.add_control(account.account_id, control, junk_control)
        daily_feeds.add_primary(account.account_id, account.currency, primary, junk_primary)

        carried: list = []  # adjustment lines billed on this period, from the one before
        for period, period_end in zip(w.periods, w.period_ends, strict=True):
            close = period_end + GRACE
            final_lines = [line for line in final.invoice_lines if line.billing_period == period]
            if w.price_after_close[period] or rater_account.visible_at > close:
                at_close = rate(events, book, [rater_account], instant_of(period), period_end, close).invoice_lines
            else:
                at_close = _at_close(final_lines, events, book, rater_account, instant_of(period), period_end,
                                     close)
            truth.at_close(at_close)
            adjusted = adjustments(final_lines, at_close, next_month(period), period)
            truth.adjustments(adjusted)
            truth.invoice_parts(period, at_close, carried)
            so_lines = [line for line in at_close if line.tenant == "SO"] + \
                       [a.line for a in carried if a.line.tenant == "SO"]
            if so_lines:
                total = sum((line.amount for line in so_lines), Decimal(0))
                posted, l3 = disc.inject_finance(period, account.account_id, account.currency, total, disc_rng,
                                                 config.discrepancy_rate, quotas["disc"])
                if posted is not None:
                    finance_rows[period].append((account.account_id, account.currency, posted))
                if l3 is not None:
                    found.append(l3)
            carried = adjusted
        truth.discrepancy(found)

        unpriced_seen = None
        upload = w.newsku_upload
        early = {p.resource_id for p in plans
                 if p.uses_new_sku and upload and p.events[0].event_time < upload.delivered_at}
        if early:
            # the resources on the new SKUs as rated just before their upload landed, from the launch
            unpriced_seen = rate([e for e in events if e.resource_id in early], book, [rater_account],
                                 w.world.new_sku_launch, min(upload.delivered_at, window[1]), upload.delivered_at - 1)
        final_ids = {a.event.event_id for a in final.anomalies}
        truth.data_quality(rater_account, final, transient_anomalies(events, rater_account, final_ids),
                           unpriced_seen, upload.file_name if upload else "")

        # mess: events of an account the CRM never lists, next to this one: counted, landed, held for good
        ghost_roll = rng_for(seed, "unknown-account", i).random()
        if config.mess_rate > 0 and (ghost_roll < config.mess_rate or quotas["mess"].wants("unknown_account")):
            quotas["mess"].done("unknown_account")
            _ghost(config, w, account, rates, spill, daily_feeds, truth, stats)

    spill.close()
    daily_feeds.close()
    truth.close_streams()
    return ChunkResult(directory, truth.discrepancies, truth.breaks, dict(truth.counts), finance_rows, stats,
                       daily_feeds.control_rows, daily_feeds.primary_rows, len(members), daily_feeds.rows,
                       daily_feeds.tagged)


def _ghost(config: Config, w: _Shared, account: accounts_mod.AccountPlan, rates: Rates, spill: OrderSpill,
           daily_feeds: feeds.DailyFeeds, truth: TruthWriter, stats: Counter) -> None:
    """A few events of `<account>-2`, an account the order stream knows and no accounts snapshot
    ever lists: emitted, counted in the control totals and delivered (late and redelivered like
    any other, but with no other mess), so the platform lands them and holds them for good."""
    seed, i = config.seed, account.index
    r = rng_for(seed, "unknown-account-plan", i)
    s, e = instant_of(config.start), instant_of(config.end)
    created = r.randrange(s, max(s + 1, e - 6 * HOUR))
    ghost = accounts_mod.AccountPlan(i, f"{account.account_id}-2", "", account.country, account.currency, created,
                                     visible_at=-1, is_new=True)
    off = {"world": Quota([], enabled=False), "mess": Quota([], enabled=False)}
    plans = plan_account(r, rng_for(seed, "unknown-account-event-ids", i), w.world, ghost, GHOST_RESOURCES, 0.0,
                         off)
    delivery = deliver_account(plans, rng_for(seed, "unknown-account-delivery", i),
                               Rates(rates.late, rates.duplicate, 0.0), off, w.period_ends, w.last_hour)
    spill.add(delivery.lines)
    daily_feeds.add_control(ghost.account_id, feeds.control_counts(plans, config.start, w.feed_end))
    held = rate(delivery.events, w.book, [], *w.window).held  # no account: every event held, none rated
    truth.held_events(held)
    stats["unknown_accounts"] += 1
    stats["unknown_account_events"] += sum(len(p.events) for p in plans)
    stats["events_emitted"] += sum(len(p.events) for p in plans)
    stats["late"] += delivery.stats["late"]
    stats["redelivered"] += delivery.stats["redelivered"]


def _chunk_task(args: tuple[Config, int, Path]) -> ChunkResult:
    return _run_chunk(*args)


def simulate(config: Config, *, force: bool = False, jobs: int = 1,
             progress: Callable[[int, int], None] | None = None) -> Summary:
    """Write `out/inbox` and `out/truth` for `config`; returns what was written.

    `jobs` worker processes share the chunks of accounts; the files are the same for any `jobs`.
    """
    import time

    started = time.perf_counter()
    config.check()
    inbox, truth_dir, tmp = _prepare(config.out, force)
    w = _world(config)
    files = catalog_mod.write_catalogue(inbox, w.catalogue)
    files += accounts_mod.write_snapshots(inbox, w.accounts, config.start, config.end, w.currency_changes)

    n_chunks = -(-config.accounts // CHUNK_ACCOUNTS)
    tasks = [(config, k, tmp / f"chunk-{k:05d}") for k in range(n_chunks)]
    results: list[ChunkResult] = []
    done = 0
    if jobs > 1 and n_chunks > 1:
        # fork where there is one: the workers inherit the shared world built above, and callers
        # need no `if __name__ == "__main__"` guard; the simulator itself starts no threads
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            for result in pool.map(_chunk_task, tasks):  # in chunk order
                results.append(result)
                done += result.accounts
                if progress:
                    progress(done, config.accounts)
    else:
        for task in tasks:
            results.append(_chunk_task(task))
            done += results[-1].accounts
            if progress:
                progress(done, config.accounts)

    chunks = [r.directory for r in results]
    order_files, tagged, n_lines = write_extracts(inbox, chunks, w.first_hour, w.last_hour)
    files += order_files
    files += feeds.merge_daily_feeds(inbox, chunks, w.feed_days)
    for period in w.periods:
        rows = [row for r in results for row in r.finance[period]]
        files.append(feeds.write_finance(inbox, period, rows))
        files.append(feeds.write_fx(inbox, config.seed, period))

    stats: Counter = Counter()
    counts: Counter = Counter()
    for r in results:
        stats.update(r.stats)
        counts.update(r.counts)
    stats["control_rows"] = sum(r.control_rows for r in results)
    stats["primary_billing_rows"] = sum(r.primary_rows for r in results)
    stats["currency_change"] = len(w.currency_changes)
    breaks = [row for r in results for row in r.breaks] + file_line_breaks(tagged)
    breaks += _csv_breaks([(r.feed_rows, r.feed_tagged) for r in results], w.currency_changes)
    tax, untaxable = _tax(config, w, chunks, truth_dir)
    files += taxes.write_tax_tables(inbox, tax)
    breaks += [break_row(DQ, "missing_tax_rate", period, "", file_name=tax.rates_file,
                         detail=f"no tax rate for {country} in force on {reference_tax.last_day(period)}: "
                                f"{period:%Y-%m} is not closed")
               for period, country in untaxable]
    # header-only CSV files (e.g. the control totals of a day without events) are valid empty feeds: no break
    stats["header_only_files"] = sum(1 for name in files if name.endswith(".csv") and feeds.header_only(inbox / name))
    params = _params(config, w.catalogue, w.accounts, w.periods, w.period_ends, w.first_hour, w.last_hour, stats,
                     files, n_lines)
    params["tax"] = {"rates_file": tax.rates_file, "entities_file": tax.entities_file,
                     "rate_changes": {c: str(next(r.rate for r in tax.rows if r.country == c
                                                  and r.effective_from == tax.change_from))
                                      for c in tax.changed},
                     "rate_change_from": tax.change_from.isoformat(), "missing": config.missing_tax_rate,
                     "unclosed_periods": sorted({p.isoformat() for p, _ in untaxable})}
    params = write_truth(truth_dir, chunks, [d for r in results for d in r.discrepancies], breaks, dict(counts),
                         params)
    shutil.rmtree(tmp)
    return Summary(round(time.perf_counter() - started, 3), len(files), stats["events_emitted"], n_lines,
                   stats["resources"], params)


def _tax(config: Config, w: _Shared, chunks: list[Path], truth_dir: Path) -> tuple[taxes.TaxTables, list]:
    """The tax table (its rate change where an adjustment line crosses it, if any does) and the taxed
    invoices; returns the table and the (period, country) that cannot be taxed, in order."""
    customers = {a.account_id: tax_truth.Customer(a.country, a.tax_id, a.terms) for a in w.accounts}
    crossing = set()
    if len(w.periods) > 1:
        crossing = tax_truth.crossing_countries(chunks, customers, w.periods[0], w.periods[1])
    tax = taxes.plan_tax_tables(config.seed, [a.country for a in w.accounts], config.start, config.end,
                                config.missing_tax_rate, preferred=crossing)
    untaxable = tax_truth.write_invoices(truth_dir, chunks, customers, list(tax.rows))
    return tax, sorted(untaxable)


def _csv_breaks(parts: list, changes: dict) -> list[list[str]]:
    """The DATA_QUALITY breaks of CSV files: junk rows and currency changes in the accounts snapshots.
    A header-only file (e.g. a control file of a day without events) is a valid empty feed: no break."""
    rows = []
    for name, line, kind, account_id in feeds.merged_line_numbers(parts):
        rows.append(break_row(DQ, "quarantined_row", _file_day(name), account_id, file_name=name, line_number=line,
                              detail=kind))
    for change in changes.values():
        rows.append(break_row(DQ, "currency_change", change.day, change.account_id, currency=change.kept,
                              file_name=change.file_name,
                              detail=f"{change.file_name} and later snapshots list {change.listed}; "
                                     f"{change.kept} is kept"))
    return rows


def _file_day(name: str) -> date:
    """The date an inbox file's name stands for (a month's first day for `_YYYYMM` files)."""
    digits = name.rsplit("_", 1)[1].split(".")[0]
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]) if len(digits) >= 8 else 1)


def _at_close(final_lines: list[InvoiceLine], events: list[Event], book: PriceBook, account: Account,
              period_start: int, period_end: int, close: int) -> list[InvoiceLine]:
    """The period's invoice lines as the bill run sees them at `close`.

    Only resources with an event (of the period) first landing after the close are rated again:
    an invoice line's exact amount and quantity are sums over resources, so the at-close line is
    the final one minus those resources' final share plus their at-close share, rounded once.
    """
    first: dict[str, Event] = {}
    for e in events:
        if e.event_id not in first or e.landing < first[e.event_id].landing:
            first[e.event_id] = e
    late = {e.resource_id for e in first.values() if e.delivered_at > close and e.event_time < period_end}
    if not late:
        return final_lines
    subset = [e for e in events if e.resource_id in late]
    exact: dict[tuple, list] = {line.key: [line.exact, line.quantity, line] for line in final_lines}
    for sign, visible_at in ((-1, None), (1, close)):
        for line in rate(subset, book, [account], period_start, period_end, visible_at).invoice_lines:
            entry = exact.setdefault(line.key, [0, 0, line])
            entry[0] += sign * line.exact
            entry[1] += sign * line.quantity
    return [line._replace(quantity=quantity, exact=amount, amount=round_money(amount, line.currency))
            for key, (amount, quantity, line) in sorted(exact.items()) if amount != 0]


def _params(config, catalogue, accounts, periods, period_ends, first_hour, last_hour, stats, files,
            n_lines) -> dict:
    arguments = {k: (str(v) if isinstance(v, (Path, date)) else v) for k, v in asdict(config).items()}
    arguments.pop("out")
    kinds = Counter(name.split("_2")[0].rstrip("_") if not name.startswith("catalog_") else "catalog"
                    for name in files)
    change = next((u for u in catalogue.uploads if "pricechange" in u.file_name), None)
    launched = next((u for u in catalogue.uploads if "newsku" in u.file_name), None)
    return {
        "generator": "billing_simulator",
        "format_version": 2,
        "arguments": arguments,
        "range": {"start": config.start.isoformat(), "end": config.end.isoformat()},
        "grace_seconds": GRACE,
        "periods": [{"period": p.strftime("%Y-%m"), "closes_at": format_instant(end + GRACE)}
                    for p, end in zip(periods, period_ends, strict=True)],
        "orders_extracts": {"first": orders_file_name(first_hour), "last": orders_file_name(last_hour),
                            "late_max_hours": LATE_MAX_HOURS},
        "all_delivered_at": format_instant((last_hour + 1) * HOUR),
        "daily_feeds": {"first_day": config.start.isoformat(),
                        "last_day": (config.end + timedelta(days=TAIL_DAYS - 1)).isoformat(),
                        "tail_from": config.end.isoformat()},
        "catalog_uploads": [{"file": u.file_name, "delivered_at": format_instant(u.delivered_at),
                             "rows": len(u.rows)} for u in catalogue.uploads],
        "price_change": None if change is None else {
            "effective_from": catalogue.price_change_date.isoformat(),
            "skus": sorted({r.sku.sku for r in change.rows})},
        "new_skus": None if launched is None else {
            "skus": catalogue.new_skus, "used_from": catalogue.new_sku_launch.isoformat(),
            "priced_by": launched.file_name, "delivered_at": format_instant(launched.delivered_at)},
        "counts": {
            "skus_initial": len({r.sku.sku for r in catalogue.uploads[0].rows}),
            "accounts": len(accounts),
            "accounts_created_in_range": sum(a.is_new for a in accounts),
            "files": len(files),
            "files_by_kind": dict(sorted(kinds.items())),
            "order_lines": n_lines,
            **{k: v for k, v in sorted(stats.items())},
        },
    }
