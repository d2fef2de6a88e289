"""Resource timelines: what each simulated resource does during the range, as order-stream events.

Per account: one support plan, then VMs, volumes, networks, databases, clusters, load balancers,
HA options, licences and one-time service orders. Most resources exist at the start (their CREATE
is at the start instant: the day the platform took over billing) and run all month; some are
created later, some churn within a day, some are decommissioned; VMs may shut down every weekend;
an account may be suspended for non-payment (all its resources), then resumed or decommissioned;
MODIFY resizes or changes quantities. Intended events are filtered through the state machine, so
the clean stream is valid; invalid transitions are then injected on purpose (`Emitted.injected`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from billing_simulator.accounts import REGIONS, AccountPlan
from billing_simulator.catalog import (
    APP_LICENCES,
    CPU_GRADES,
    DATA_CLUSTER_SIZES,
    DATA_CLUSTERS,
    DB_ENGINES,
    DB_SIZES,
    K8S_NODE_SIZES,
    MEM_GRADES,
    NEW_VM_FAMILY,
    SUPPORT_PLANS,
    VM_FAMILIES,
)
from billing_simulator.instants import DAY, HOUR, instant_of
from billing_simulator.reference_rater import TRANSITIONS
from billing_simulator.seeding import event_uuid, hex_id, rng_for

Components = tuple[tuple[str, Decimal], ...]

RESOURCE_MIX = {"vm": 42, "volume": 17, "network": 9, "database": 7, "cluster": 3, "load_balancer": 4,
                "high_availability": 2, "license": 6, "service": 6, "support": 4}
PREEXISTING_SHARE = 0.75  # of an existing account's resources, created at the start instant
INJECTED_KINDS = ("resume_while_running", "event_after_decommission", "second_create")


@dataclass
class Emitted:
    """One event as the order streaming system emitted it."""

    event_id: str
    event_time: int
    seq: int
    account_id: str
    resource_id: str
    resource_type: str
    region: str
    event_type: str
    components: Components | None
    injected: str | None = None  # an invalid transition put in on purpose (mess)
    lost: bool = False  # discrepancy: counted in the control totals, never delivered
    reemitted: bool = False  # discrepancy: re-emitted under a new event_id, not counted


@dataclass
class ResourcePlan:
    resource_id: str
    resource_type: str
    account_id: str
    events: list[Emitted] = field(default_factory=list)
    decommissioned_at: int | None = None
    uses_new_sku: bool = False


class Quota:
    """Kinds still owed at least one occurrence: the first eligible candidate takes each."""

    def __init__(self, kinds, enabled: bool = True) -> None:
        self.pending = set(kinds) if enabled else set()

    def wants(self, kind: str) -> bool:
        return kind in self.pending

    def done(self, kind: str) -> None:
        self.pending.discard(kind)


@dataclass(frozen=True)
class World:
    """The simulated range and its fixed dates, as instants."""

    seed: int
    start: int
    end: int
    new_sku_launch: int | None
    new_sku_upload: int | None
    new_skus: tuple[str, ...]
    fridays: tuple[int, ...]

    @staticmethod
    def of(seed: int, start: date, end: date, launch: date | None, upload: date | None,
           new_skus: list[str]) -> World:
        days = [start + timedelta(days=k) for k in range((end - start).days)]
        return World(seed, instant_of(start), instant_of(end), instant_of(launch) if launch else None,
                     instant_of(upload) if upload else None, tuple(new_skus),
                     tuple(instant_of(d) for d in days if d.weekday() == 4))


# ----------------------------------------------------------------------------- templates


def _q(value) -> Decimal:
    return Decimal(value)


def _licence_for(r: random.Random) -> list[tuple[str, Decimal]]:
    """An OS licence or none; per-vCPU quantities are set from the VM's size."""
    roll = r.random()
    if roll < 0.25:
        return [("lic.os.windows-std.vcpu", _q(1))]
    if roll < 0.32:
        return [("lic.os.windows-dc.vcpu", _q(1))]
    if roll < 0.45:
        return [("lic.os.rhel.inst.mon", _q(1))]
    if roll < 0.50:
        return [("lic.os.sles.inst.mon", _q(1))]
    return []


class Template:
    """A resource kind: its first component set, and how a MODIFY changes it."""

    resource_type = "resource"
    prefix = "res"

    def __init__(self, r: random.Random) -> None:
        self.r = r

    def create(self) -> Components:
        raise NotImplementedError

    def modify(self, current: Components) -> Components:
        return current

    def modify_plan(self) -> list[Components] | None:
        """A fixed sequence of component sets instead of random modifies, or None."""
        return None


def _scale(comps: Components, sku_prefix: str, factor) -> Components:
    out = []
    for sku, q in comps:
        if sku.startswith(sku_prefix):
            q = max(Decimal(1), (q * Decimal(factor)).to_integral_value())
        out.append((sku, q))
    return tuple(out)


class VmTemplate(Template):
    resource_type, prefix = "vm", "vm"

    def __init__(self, r, arm: bool = False) -> None:
        super().__init__(r)
        self.arm = arm
        self.sized = arm or r.random() < 0.7
        if arm:
            self.family, self.sizes = NEW_VM_FAMILY[0], NEW_VM_FAMILY[3]
        else:
            self.family = r.choices(list(VM_FAMILIES), weights=[30, 12, 10, 5, 12, 8, 5, 4, 3, 2])[0]
            self.sizes = VM_FAMILIES[self.family][2]
        self.size = r.randrange(min(3, len(self.sizes)))
        self.grade = r.choices(list(CPU_GRADES), weights=[60, 15, 5, 15, 5])[0]
        self.mem_grade = r.choices(list(MEM_GRADES), weights=[70, 10, 10, 5, 5])[0]
        self.vcpu = r.choice([2, 2, 4, 4, 4, 8, 8, 16])
        self.gb = self.vcpu * r.choice([2, 4, 4, 8])
        self.licence = _licence_for(r)
        self.failover = r.random() < 0.08

    def _components(self) -> Components:
        if self.sized:
            vcpu, gb = self.sizes[self.size]
            comps = [(f"vm.{self.family}.{vcpu}x{gb}", _q(1))]
        else:
            vcpu = self.vcpu
            comps = [(f"cpu.{self.grade}.vcpu", _q(vcpu)), (f"mem.{self.mem_grade}.gb", _q(self.gb))]
        for sku, q in self.licence:
            comps.append((sku, _q(vcpu) if sku.endswith(".vcpu") else q))
        if self.failover:
            comps.append(("ha.vm.failover", _q(1)))
        return tuple(comps)

    def create(self) -> Components:
        return self._components()

    def modify(self, current: Components) -> Components:
        if self.sized:
            step = self.r.choice([1, 1, -1]) if 0 < self.size < len(self.sizes) - 1 else (1 if self.size == 0 else -1)
            self.size = max(0, min(len(self.sizes) - 1, self.size + step))
        else:
            self.vcpu = max(1, self.vcpu * 2 if self.r.random() < 0.6 else self.vcpu // 2)
            self.gb = self.vcpu * self.r.choice([2, 4, 8])
        return self._components()


class VolumeTemplate(Template):
    resource_type, prefix = "volume", "vol"

    def create(self):
        tier = self.r.choices(["ssd", "hdd", "nvme", "object", "archive", "backup", "essd"],
                              weights=[40, 18, 12, 10, 6, 8, 6])[0]
        comps = [(f"stor.{tier}.gb", _q(self.r.choice([50, 100, 200, 250, 500, 1000, 2000, 4000])))]
        if tier in ("ssd", "nvme") and self.r.random() < 0.2:
            comps.append((f"stor.{tier}.iops", _q(self.r.choice([3000, 6000, 10000]))))
        return tuple(comps)

    def modify(self, current):
        return _scale(current, "stor.", self.r.choice(["1.25", "1.5", "2"]))


class NetworkTemplate(Template):
    def __init__(self, r):
        super().__init__(r)
        self.kind = r.choices(["vpc", "ip", "vpn", "nat", "fw", "dx", "bw", "edge"], weights=[25, 30, 12, 8, 8, 3, 7, 7])[0]
        self.resource_type = {"vpc": "vpc", "ip": "public_ip", "vpn": "vpn_gateway", "nat": "nat_gateway",
                              "fw": "firewall", "dx": "direct_connect", "bw": "bandwidth", "edge": "edge"}[self.kind]
        self.prefix = {"vpc": "vpc", "ip": "ip", "vpn": "vpn", "nat": "nat", "fw": "fw", "dx": "dx", "bw": "bw",
                       "edge": "edge"}[self.kind]

    def create(self):
        r = self.r
        return {
            "vpc": lambda: (("net.vpc", _q(1)), ("net.subnet", _q(r.randint(1, 6)))),
            "ip": lambda: (("net.ip.public", _q(r.randint(1, 4))),),
            "vpn": lambda: (("net.vpn.gw", _q(1)), ("net.vpn.tunnel", _q(r.randint(1, 4)))),
            "nat": lambda: (("net.nat.gw", _q(1)),),
            "fw": lambda: ((r.choice(["net.fw.std", "net.fw.adv"]), _q(1)),),
            "dx": lambda: ((r.choice(["net.dx.1g", "net.dx.10g"]), _q(1)),),
            "bw": lambda: (("net.bw.commit.mbps", _q(r.choice([100, 200, 500, 1000]))),),
            "edge": lambda: (("net.dns.zone", _q(r.randint(1, 3))), ("net.cdn.zone", _q(1)),
                             ("net.ddos.std", _q(1))),
        }[self.kind]()

    def modify(self, current):
        sku, q = current[-1]
        return current[:-1] + ((sku, q + 1),)


class DatabaseTemplate(Template):
    resource_type, prefix = "database", "db"

    def __init__(self, r):
        super().__init__(r)
        self.engine = r.choices(list(DB_ENGINES), weights=[35, 20, 5, 15, 10, 10, 5])[0]
        self.size = r.randrange(1, 5)
        self.storage = r.choice([100, 200, 500, 1000])
        self.replica = r.random() < 0.2

    def _components(self):
        vcpu, gb = DB_SIZES[self.size]
        comps = [(f"db.{self.engine}.{vcpu}x{gb}", _q(1)), ("db.stor.ssd.gb", _q(self.storage)),
                 ("db.backup.gb", _q(self.storage // 2))]
        if self.engine == "mssql":
            comps.append(("lic.db.mssql-std.core.mon", _q(vcpu)))
        if self.replica:
            comps.append((f"ha.db.replica.{vcpu}x{gb}" if 1 <= self.size <= 5 else "ha.zone.redundant", _q(1)))
        return tuple(comps)

    def create(self):
        return self._components()

    def modify(self, current):
        if self.r.random() < 0.5:
            self.size = max(1, min(5, self.size + self.r.choice([1, -1])))
        else:
            self.storage *= 2
        return self._components()


class ClusterTemplate(Template):
    resource_type, prefix = "cluster", "cls"

    def __init__(self, r):
        super().__init__(r)
        if r.random() < 0.6:
            family, vcpu, gb = r.choice(K8S_NODE_SIZES)
            self.control = (r.choice(["cls.k8s.control", "cls.k8s.control.ha"]),)
            self.node = f"cls.k8s.node.{family}{vcpu}x{gb}"
        else:
            kind = r.choice(list(DATA_CLUSTERS))
            vcpu, gb = r.choice(DATA_CLUSTER_SIZES)
            self.control = ()
            self.node = f"cls.{kind}.{vcpu}x{gb}"
        self.nodes = r.randint(3, 12)

    def _components(self):
        return tuple((sku, _q(1)) for sku in self.control) + ((self.node, _q(self.nodes)),)

    def create(self):
        return self._components()

    def modify(self, current):
        self.nodes = max(1, self.nodes + self.r.choice([-2, -1, 1, 2, 3]))
        return self._components()


class LoadBalancerTemplate(Template):
    resource_type, prefix = "load_balancer", "lb"

    def create(self):
        r = self.r
        comps = [(r.choice(["lb.basic", "lb.std", "lb.std", "lb.adv", "lb.global"]), _q(1)),
                 ("lb.lcu", _q(r.randint(1, 10))), ("lb.rule", _q(r.randint(1, 20)))]
        if r.random() < 0.3:
            comps.append(("lb.cert", _q(r.randint(1, 3))))
        if r.random() < 0.15:
            comps.append(("lb.waf", _q(1)))
        return tuple(comps)

    def modify(self, current):
        return _scale(current, "lb.lcu", self.r.choice(["0.5", "2", "3"]))


class HighAvailabilityTemplate(Template):
    resource_type, prefix = "dr_site", "dr"

    def create(self):
        r = self.r
        comps = [(r.choice(["ha.dr.site", "ha.zone.redundant", "ha.dr.runbook"]), _q(1)),
                 ("ha.backup.replication.gb", _q(r.choice([500, 1000, 5000])))]
        if r.random() < 0.4:
            vcpu, gb = r.choice([(2, 8), (4, 16), (8, 32), (16, 64)])
            comps.append((f"ha.vm.standby.{vcpu}x{gb}", _q(r.randint(1, 4))))
        return tuple(comps)

    def modify(self, current):
        return _scale(current, "ha.backup", "2")


class LicenceTemplate(Template):
    """Seats or cores on monthly or annual terms: rises, a drop and a rise back (high-water)."""

    resource_type, prefix = "license", "lic"

    def __init__(self, r):
        super().__init__(r)
        roll = r.random()
        if roll < 0.35:
            self.sku = r.choice(["lic.os.windows-std.annual", "lic.os.rhel.annual", "lic.os.windows-dc.annual"])
        elif roll < 0.55:
            self.sku = r.choice(["lic.db.mssql-std.core.yr", "lic.db.oracle-se2.core.yr", "lic.db.db2.core.yr"])
        elif roll < 0.8:
            self.sku = f"lic.app.{r.choice(list(APP_LICENCES))}.user.mon"
        else:
            self.sku = f"lic.app.{r.choice(list(APP_LICENCES))}.user.yr"
        self.seats = r.randint(2, 40)

    def create(self):
        return ((self.sku, _q(self.seats)),)

    def modify_plan(self):
        s = self.seats
        return [((self.sku, _q(q)),) for q in (s + 3, s + 1, s + 3, s + 6)]


class SupportTemplate(Template):
    resource_type, prefix = "support_plan", "sup"

    def __init__(self, r):
        super().__init__(r)
        self.plan = r.choices(list(SUPPORT_PLANS), weights=[30, 30, 25, 10, 5])[0]
        self.term = "annual" if r.random() < 0.4 else "monthly"

    def create(self):
        return ((f"sup.{self.plan}.{self.term}", _q(1)),)

    def modify(self, current):
        plans = list(SUPPORT_PLANS)
        upgraded = plans[min(len(plans) - 1, plans.index(self.plan) + 1)]
        addon = "sup.addon.24x7.yr" if self.term == "annual" else "sup.addon.24x7.mon"
        return ((f"sup.{upgraded}.{self.term}", _q(1)), (addon, _q(1)))


class ServiceTemplate(Template):
    """One-time orders; quantities rise (charged), drop and rise back (not charged again)."""

    resource_type, prefix = "service_order", "svc"

    def __init__(self, r):
        super().__init__(r)
        self.kind = r.choice(["setup", "consulting", "training", "migration"])

    def create(self):
        r = self.r
        if self.kind == "setup":
            return ((r.choice(["svc.setup.vm", "svc.setup.db", "svc.setup.cluster", "svc.setup.network"]),
                     _q(r.randint(1, 5))), ("svc.express.setup", _q(1)))
        if self.kind == "consulting":
            return (("svc.consulting.hour", Decimal(r.randint(8, 40)) / 2),)
        if self.kind == "training":
            return (("svc.training.seat", _q(3)),)
        return ((r.choice(["svc.migration.vm", "svc.migration.tb", "svc.data.import.tb"]), _q(r.randint(1, 20))),
                ("svc.onboarding", _q(1)))

    def modify_plan(self):
        r = self.r
        if self.kind == "training":  # 3 -> 1 -> 3 charges nothing more, 3 -> 5 charges 2
            return [(("svc.training.seat", _q(q)),) for q in (1, 3, 5)]
        if self.kind == "consulting":
            hours = Decimal(r.randint(41, 80)) / 2
            return [(("svc.consulting.hour", hours),), (("svc.consulting.hour", hours - 4),)]
        return None


TEMPLATES = {"vm": VmTemplate, "volume": VolumeTemplate, "network": NetworkTemplate, "database": DatabaseTemplate,
             "cluster": ClusterTemplate, "load_balancer": LoadBalancerTemplate,
             "high_availability": HighAvailabilityTemplate, "license": LicenceTemplate, "service": ServiceTemplate,
             "support": SupportTemplate}


# ----------------------------------------------------------------------------- account plans


@dataclass(frozen=True)
class Suspension:
    """Non-payment: every resource of the account is suspended, then resumed or decommissioned."""

    at: int
    resume_at: int | None
    decommission_at: int | None


def _suspension(r: random.Random, world: World, account: AccountPlan, quota: Quota) -> Suspension | None:
    days = (world.end - world.start) // DAY
    roll = r.random()
    if days < 10 or account.is_new or not (roll < 0.06 or quota.wants("suspension")):
        return None
    quota.done("suspension")
    at = world.start + r.randint(3, days - 6) * DAY + r.randrange(9 * HOUR, 17 * HOUR)
    outcome = r.random()
    if outcome < 0.6:
        return Suspension(at, at + r.randint(1, 5) * DAY + r.randrange(0, 8 * HOUR), None)
    if outcome < 0.85:
        return Suspension(at, None, None)
    return Suspension(at, None, at + r.randint(5, 10) * DAY + r.randrange(0, 8 * HOUR))


def _distinct_times(intents: list[list]) -> None:
    """Sort intents by time and make their times distinct, one second apart at least."""
    intents.sort(key=lambda x: (x[0], x[3]))
    for i in range(1, len(intents)):
        if intents[i][0] <= intents[i - 1][0]:
            intents[i][0] = intents[i - 1][0] + 1


def _running_spans(events: list[list], end: int) -> list[tuple[int, int]]:
    """`[from, to)` spans in which the (valid) clean timeline is RUNNING."""
    spans, since, state = [], None, None
    for t, event_type, _, _ in events:
        target = TRANSITIONS[event_type][1] or state
        if state == "RUNNING" and target != "RUNNING":
            spans.append((since, t))
        if target == "RUNNING" and state != "RUNNING":
            since = t
        state = target
    if state == "RUNNING":
        spans.append((since, end))
    return spans


def plan_resource(r: random.Random, ids: random.Random, world: World, account: AccountPlan, index: int, kind: str,
                  suspension: Suspension | None, mess_rate: float, quotas: dict[str, Quota]) -> ResourcePlan:
    """One resource's emitted events, valid except for an injected invalid transition (mess)."""
    S, E = world.start, world.end
    earliest = max(S, account.created_at + 5 * 60)
    if not account.is_new and r.random() < PREEXISTING_SHARE:
        created = S
    elif account.is_new and index == 0:
        created = earliest + r.randrange(0, 3 * HOUR)
    else:
        created = r.randrange(earliest, max(earliest + 1, E - 2 * HOUR))
    # the VM family launched mid-period, priced by a later upload: some VMs created after the launch
    arm = False
    launch, upload = world.new_sku_launch, world.new_sku_upload
    if kind == "vm" and launch is not None:
        if quotas["world"].wants("new_sku_unpriced") and earliest < upload:
            lo = max(launch, earliest)
            created, arm = r.randrange(lo, max(lo + 1, upload)), True
            quotas["world"].done("new_sku_unpriced")
        elif created >= launch and r.random() < 0.35:
            arm = True
    created = min(created, E - HOUR)
    template = VmTemplate(r, arm=True) if arm else TEMPLATES[kind](r)

    # how long it lives
    life_end = None
    roll = r.random()
    if kind == "vm" and roll < 0.12 and created > S:  # churn: lives a few hours
        life_end = created + r.randrange(HOUR, 20 * HOUR)
    elif kind == "service" and roll < 0.6:
        life_end = created + r.randrange(DAY, 12 * DAY)
    elif roll < 0.06:
        life_end = created + r.randrange(2 * HOUR, max(3 * HOUR, E - created))
    if life_end is not None and life_end >= E:
        life_end = None
    horizon = life_end if life_end is not None else E

    # intents: [time, event_type, components, priority]
    comps = template.create()
    intents: list[list] = [[created, "CREATE", comps, 0]]
    plan = template.modify_plan()
    if plan is None:
        n_modify = r.choices([0, 1, 2], weights=[60, 28, 12])[0]
        plan_times = sorted(r.randrange(created + 60, max(created + 61, horizon)) for _ in range(n_modify))
        current = comps
        for t in plan_times:
            current = template.modify(current)
            intents.append([t, "MODIFY", current, 1])
    elif r.random() < 0.7:
        n = r.randint(1, len(plan))
        times = sorted(r.randrange(created + 60, max(created + 61, horizon)) for _ in range(n))
        for t, c in zip(times, plan[:n], strict=True):
            intents.append([t, "MODIFY", c, 1])
    if kind == "vm" and r.random() < 0.12:  # off at weekends
        for friday in world.fridays:
            off = friday + 18 * HOUR + r.randrange(0, 4 * HOUR)
            on = friday + 3 * DAY + 6 * HOUR + r.randrange(0, 3 * HOUR)
            intents.append([off, "SHUTDOWN", None, 2])
            intents.append([on, "START", None, 2])
    if kind in ("vm", "database") and r.random() < 0.05:
        off = r.randrange(created + 60, max(created + 61, horizon))
        intents.append([off, "SHUTDOWN", None, 2])
        intents.append([off + r.randrange(HOUR, 3 * DAY), "START", None, 2])
    if suspension is not None:
        intents.append([suspension.at, "SUSPEND", None, 3])
        if suspension.resume_at is not None:
            intents.append([suspension.resume_at, "RESUME", None, 3])
        if suspension.decommission_at is not None:
            intents.append([suspension.decommission_at, "DECOMMISSION", None, 3])
    if life_end is not None:
        intents.append([life_end, "DECOMMISSION", None, 4])
    _distinct_times(intents)

    # keep what the state machine allows, before the end of the range
    state, valid = None, []
    for t, event_type, c, priority in intents:
        if t >= E:
            continue
        allowed_from, target = TRANSITIONS[event_type]
        if state not in allowed_from:
            continue
        valid.append([t, event_type, c, priority])
        state = target or state
    decommissioned_at = next((t for t, et, _, _ in valid if et == "DECOMMISSION"), None)

    # an invalid transition, on purpose
    injected: list[list] = []
    mess = quotas["mess"]
    roll = r.random()
    eligible = []
    running = [(a, b) for a, b in _running_spans(valid, E) if b - a > 2]
    if running:
        eligible += ["resume_while_running", "second_create"]
    if decommissioned_at is not None and E - decommissioned_at > 2:
        eligible.append("event_after_decommission")
    wanted = [k for k in eligible if mess.wants(k)]
    if eligible and (roll < mess_rate or wanted):
        how = wanted[0] if wanted else r.choice(eligible)
        taken = {t for t, _, _, _ in valid}
        if how == "event_after_decommission":
            t = r.randrange(decommissioned_at + 1, E)
            event_type = r.choice(["START", "MODIFY", "RESUME"])
            injected.append([t, event_type, valid[0][2] if event_type == "MODIFY" else None, how])
        else:
            a, b = r.choice(running)
            t = r.randrange(a + 1, b)
            if t not in taken:  # a time of its own, strictly inside the running span
                injected.append([t, "RESUME" if how == "resume_while_running" else "CREATE",
                                 None if how == "resume_while_running" else valid[0][2], how])
        if injected:
            mess.done(how)

    resource_id = f"{template.prefix}-{hex_id(world.seed, account.account_id, index, digits=16)}"
    region = r.choice(REGIONS[account.country])
    events = []
    timeline = sorted([(t, et, c, None) for t, et, c, _ in valid] + [tuple(x) for x in injected],
                      key=lambda x: x[0])
    for seq, (t, event_type, c, how) in enumerate(timeline, start=1):
        events.append(Emitted(event_uuid(ids), t, seq, account.account_id, resource_id, template.resource_type,
                              region, event_type, c, injected=how))
    return ResourcePlan(resource_id, template.resource_type, account.account_id, events, decommissioned_at,
                        uses_new_sku=arm)


def plan_account(r: random.Random, ids: random.Random, world: World, account: AccountPlan, n_resources: int,
                 mess_rate: float, quotas: dict[str, Quota]) -> list[ResourcePlan]:
    """The account's resources: a support plan first, then a mix of the other kinds."""
    suspension = _suspension(r, world, account, quotas["world"])
    kinds = list(RESOURCE_MIX)
    weights = list(RESOURCE_MIX.values())
    plans = []
    for index in range(n_resources):
        kind = "support" if index == 0 else r.choices(kinds, weights=weights)[0]
        plans.append(plan_resource(r, ids, world, account, index, kind, suspension, mess_rate, quotas))
    return plans


def allocate_resources(seed: int, n_accounts: int, per_account: int) -> list[int]:
    """`n_accounts * per_account` resources over the accounts, big and small, each at least one."""
    total = n_accounts * per_account
    r = rng_for(seed, "allocation")
    weights = [r.paretovariate(1.6) for _ in range(n_accounts)]
    spare = total - n_accounts
    scale = spare / sum(weights)
    counts = [1 + int(w * scale) for w in weights]
    remainders = sorted(range(n_accounts), key=lambda i: (-(weights[i] * scale - int(weights[i] * scale)), i))
    for i in remainders[: total - sum(counts)]:
        counts[i] += 1
    return counts
