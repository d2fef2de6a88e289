"""The simulated catalogue: SKUs of every category, priced for HO and SO in the 12 currencies.

Three uploads: the initial price list, a mid-period price change for a few popular SKUs, and a
later upload that first prices a new VM family (events use it before that upload lands).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from billing_simulator.instants import day_stamp, instant_of
from billing_simulator.money import CURRENCIES, MINOR_UNITS, format_decimal, round_half_away
from billing_simulator.reference_rater import TENANTS, PriceRow
from billing_simulator.seeding import rng_for

CATALOG_HEADER = ["sku", "product_name", "category", "charge_type", "unit", "tenant", "currency",
                  "unit_price", "idle_unit_price", "effective_from"]
CATEGORIES = ("compute", "memory", "storage", "network", "license", "database", "cluster", "load_balancer",
              "high_availability", "support", "service")

# List prices are set in USD and converted at these list rates (USD per unit), then rounded.
LIST_RATES: dict[str, Fraction] = {
    "USD": Fraction(1), "CAD": Fraction("0.73"), "GBP": Fraction("1.27"), "EUR": Fraction("1.09"),
    "CHF": Fraction("1.13"), "SEK": Fraction("0.094"), "JPY": Fraction("0.0068"), "SGD": Fraction("0.75"),
    "INR": Fraction("0.012"), "AED": Fraction("0.2723"), "BHD": Fraction("2.6596"), "AUD": Fraction("0.66"),
}

# idle policy: "empty" (idle_unit_price left empty = 0), "zero" ("0"), "full" (= unit_price)
VM_FAMILIES: dict[str, tuple[str, Fraction, list[tuple[int, int]]]] = {
    "gp": ("General Purpose", Fraction("1.00"),
           [(1, 4), (2, 8), (4, 16), (8, 32), (16, 64), (32, 128), (48, 192), (64, 256), (96, 384)]),
    "gp2": ("General Purpose Gen2", Fraction("0.94"),
            [(2, 8), (4, 16), (8, 32), (16, 64), (32, 128), (48, 192), (64, 256), (96, 384)]),
    "co": ("Compute Optimized", Fraction("1.05"),
           [(2, 4), (4, 8), (8, 16), (16, 32), (32, 64), (48, 96), (64, 128), (72, 144)]),
    "co2": ("Compute Optimized Gen2", Fraction("0.98"),
            [(2, 4), (4, 8), (8, 16), (16, 32), (32, 64), (64, 128)]),
    "mo": ("Memory Optimized", Fraction("0.95"),
           [(2, 16), (4, 32), (8, 64), (16, 128), (32, 256), (48, 384), (64, 512), (96, 768)]),
    "bu": ("Burstable", Fraction("0.60"), [(1, 1), (1, 2), (2, 4), (2, 8), (4, 16), (8, 32)]),
    "hc": ("High Frequency Compute", Fraction("1.25"), [(4, 16), (8, 32), (16, 64), (32, 128), (64, 256)]),
    "st": ("Storage Optimized", Fraction("1.15"), [(4, 32), (8, 64), (16, 128), (32, 256)]),
    "hm": ("High Memory", Fraction("0.92"), [(8, 128), (16, 256), (32, 512), (64, 1024), (96, 1536)]),
    "gpu": ("GPU Accelerated", Fraction("4.80"), [(8, 64), (16, 128), (32, 256), (48, 384), (96, 768)]),
}
NEW_VM_FAMILY = ("arm", "Arm Neoverse", Fraction("0.82"), [(4, 16), (8, 32)])  # first priced by a later upload
CPU_GRADES = {"std": ("Standard", "0.0210"), "hi": ("High Performance", "0.0265"), "ult": ("Ultra", "0.0340"),
              "amd": ("AMD EPYC", "0.0195"), "dedicated": ("Dedicated Core", "0.0420")}
MEM_GRADES = {"std": ("Standard", "0.0029"), "hi": ("High Bandwidth", "0.0036"), "ecc": ("ECC Registered", "0.0041"),
              "pmem": ("Persistent", "0.0019"), "burst": ("Burst", "0.0022")}
STORAGE_TIERS = {"hdd": ("HDD Block", "0.025"), "ssd": ("SSD Block", "0.10"), "nvme": ("NVMe Block", "0.17"),
                 "archive": ("Archive", "0.002"), "cold": ("Cold Object", "0.008"), "object": ("Object", "0.021"),
                 "backup": ("Backup Vault", "0.05"), "snapshot": ("Snapshot", "0.045"), "file": ("NFS File", "0.30"),
                 "essd": ("Encrypted SSD", "0.115"), "replgeo": ("Geo-Replicated", "0.03"),
                 "vault": ("Compliance Vault", "0.004")}
DB_ENGINES = {"pg": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB", "mssql": "SQL Server",
              "mongo": "MongoDB", "redis": "Redis", "oracle": "Oracle"}
DB_SIZES = [(1, 2), (2, 8), (4, 16), (8, 32), (16, 64), (32, 128), (48, 192), (64, 256)]
DB_ENGINE_FACTOR = {"pg": "1.30", "mysql": "1.28", "mariadb": "1.25", "mssql": "1.55", "mongo": "1.45",
                    "redis": "1.40", "oracle": "1.70"}
OS_LICENCES = {"windows-std": "Windows Server Standard", "windows-dc": "Windows Server Datacenter",
               "rhel": "Red Hat Enterprise Linux", "sles": "SUSE Linux Enterprise", "ubuntu-pro": "Ubuntu Pro",
               "oracle-linux": "Oracle Linux Premier"}
DB_LICENCES = {"mssql-std": "SQL Server Standard", "mssql-ent": "SQL Server Enterprise", "mssql-web": "SQL Server Web",
               "oracle-se2": "Oracle Database SE2", "oracle-ee": "Oracle Database EE", "db2": "Db2 Advanced"}
APP_LICENCES = {"siem": "SIEM Collector", "backup-agent": "Backup Agent", "antivirus": "Endpoint Antivirus", "monitoring": "Monitoring Suite",
                "rdp-cal": "RDS CAL", "vdi": "Virtual Desktop"}
SUPPORT_PLANS = {"basic": ("Basic", "29"), "developer": ("Developer", "99"), "business": ("Business", "490"),
                 "enterprise": ("Enterprise", "4900"), "premier": ("Premier", "12500")}
K8S_NODE_SIZES = [("gp", 2, 8), ("gp", 4, 16), ("gp", 8, 32), ("gp", 16, 64), ("gp", 32, 128),
                  ("mo", 4, 32), ("mo", 8, 64), ("mo", 16, 128), ("gpu", 8, 64)]
DATA_CLUSTERS = {"kafka": ("Kafka Broker", "1.35"), "spark": ("Spark Worker", "1.20"),
                 "es": ("Search Node", "1.40"), "flink": ("Stream Worker", "1.25")}
DATA_CLUSTER_SIZES = [(4, 16), (8, 32), (16, 64), (32, 128)]

# A few popular SKUs get a new price mid-period: (sku, SO factor, HO factor)
PRICE_CHANGES = [
    ("cpu.std.vcpu", "1.08", "1.03"), ("mem.std.gb", "1.08", "1.03"), ("stor.ssd.gb", "0.94", "0.97"),
    ("vm.gp.4x16", "1.07", "1.02"), ("vm.gp.8x32", "1.07", "1.02"), ("net.ip.public", "1.10", "1.00"),
    ("db.pg.4x16", "1.06", "1.04"), ("sup.business.monthly", "1.12", "1.05"),
    ("lic.os.windows-std.vcpu", "1.09", "1.09"), ("cls.k8s.node.gp4x16", "1.05", "1.01"),
]
# SKUs sold below cost on purpose (HO price above SO): cost ratio
LOSS_MAKERS = {"sup.basic.monthly": "1.25", "net.ip.v6block": "1.10", "stor.archive.gb": "1.15",
               "svc.onboarding": "1.30", "bu": "1.08"}


@dataclass(frozen=True)
class Sku:
    sku: str
    product_name: str
    category: str
    charge_type: str
    unit: str
    list_usd: Fraction  # SO list price in USD
    idle: str  # "empty", "zero" or "full"
    cost_ratio: Fraction = Fraction(0)  # HO price / SO price; set by the catalogue RNG


@dataclass(frozen=True)
class CatalogRow:
    sku: Sku
    tenant: str
    currency: str
    unit_price: Decimal
    idle_text: str  # as written: "" (means 0) or a decimal
    effective_from: date

    def idle_price(self) -> Decimal:
        return Decimal(self.idle_text) if self.idle_text else Decimal(0)

    def as_csv(self) -> list[str]:
        s = self.sku
        return [s.sku, s.product_name, s.category, s.charge_type, s.unit, self.tenant, self.currency,
                format_decimal(self.unit_price), self.idle_text, self.effective_from.isoformat()]


@dataclass
class Upload:
    file_name: str
    delivered_at: int
    rows: list[CatalogRow] = field(default_factory=list)


@dataclass
class Catalogue:
    skus: dict[str, Sku]
    uploads: list[Upload]
    price_change_date: date | None
    new_sku_launch: date | None
    new_sku_upload: date | None
    new_skus: list[str]

    def price_rows(self, *, without: str | None = None) -> list[PriceRow]:
        """Every row as the rater's `PriceRow`; `without` leaves one upload out (by file name)."""
        rows = []
        for upload in self.uploads:
            if upload.file_name == without:
                continue
            for line, row in enumerate(upload.rows, start=2):
                rows.append(PriceRow(row.sku.sku, row.sku.charge_type, row.tenant, row.currency, row.unit_price,
                                     row.idle_price(), instant_of(row.effective_from), upload.delivered_at,
                                     (upload.delivered_at, 0, upload.file_name, line)))
        return rows


def nice_price(value: Fraction, currency: str) -> Decimal:
    """Four significant digits, at least the currency's minor units and at most 6 decimals."""
    exponent = 0
    while Fraction(10) ** exponent > value:
        exponent -= 1
    while Fraction(10) ** (exponent + 1) <= value:
        exponent += 1
    minor = MINOR_UNITS[currency]
    if 3 - exponent < minor:  # a large price: keep 4 significant digits, written with the minor units
        digits = round_half_away(value / Fraction(10) ** (exponent - 3), 0)
        return digits.scaleb(exponent - 3).quantize(Decimal(1).scaleb(-minor))
    price = round_half_away(value, min(6, 3 - exponent))
    return price if price > 0 else Decimal("0.000001")


def _sku_definitions() -> list[Sku]:
    """Every SKU of the initial list, with its SO list price in USD (before jitter)."""
    F = Fraction
    skus: list[Sku] = []

    def add(sku, name, category, charge_type, unit, usd, idle):
        skus.append(Sku(sku, name, category, charge_type, unit, F(usd), idle))

    cpu, mem = F(CPU_GRADES["std"][1]), F(MEM_GRADES["std"][1])
    for family, (label, factor, sizes) in VM_FAMILIES.items():
        for vcpu, gb in sizes:
            usd = (vcpu * cpu + gb * mem) * factor
            add(f"vm.{family}.{vcpu}x{gb}", f"{label} VM {vcpu} vCPU / {gb} GB", "compute", "hourly", "instance",
                usd, "empty")
    for grade, (label, usd) in CPU_GRADES.items():
        add(f"cpu.{grade}.vcpu", f"{label} vCPU", "compute", "hourly", "vCPU", usd, "empty")
    for gpu, usd in (("t4", "0.35"), ("l4", "0.81"), ("a100", "2.10"), ("h100", "3.90")):
        add(f"gpu.{gpu}.unit", f"GPU {gpu.upper()}", "compute", "hourly", "GPU", usd, "empty")
    for grade, (label, usd) in MEM_GRADES.items():
        add(f"mem.{grade}.gb", f"{label} Memory", "memory", "hourly", "GB", usd, "zero")
    for tier, (label, usd) in STORAGE_TIERS.items():
        add(f"stor.{tier}.gb", f"{label} Storage", "storage", "monthly", "GB", usd, "full")
    for sku, name, charge_type, unit, usd in (
            ("stor.ssd.iops", "Provisioned IOPS SSD", "monthly", "IOPS", "0.005"),
            ("stor.nvme.iops", "Provisioned IOPS NVMe", "monthly", "IOPS", "0.008"),
            ("stor.throughput.mbps", "Provisioned Throughput", "monthly", "MBps", "0.04"),
            ("stor.tape.tb", "Tape Archive", "monthly", "TB", "2.00"),
            ("stor.local.nvme.gb", "Local NVMe Scratch", "hourly", "GB", "0.00025"),
            ("stor.scratch.gb", "Ephemeral Scratch", "hourly", "GB", "0.00008"),
            ("stor.snapshot.schedule", "Snapshot Schedule", "monthly", "policy", "1.50")):
        add(sku, name, "storage", charge_type, unit, usd, "full")
    for sku, name, charge_type, unit, usd, idle in (
            ("net.vpc", "Virtual Private Cloud", "monthly", "VPC", "5.00", "full"),
            ("net.subnet", "Subnet", "monthly", "subnet", "0.50", "full"),
            ("net.ip.public", "Public IPv4 Address", "hourly", "IP", "0.005", "full"),
            ("net.ip.v6block", "IPv6 /56 Block", "monthly", "block", "1.00", "full"),
            ("net.vpn.gw", "VPN Gateway", "hourly", "gateway", "0.05", "zero"),
            ("net.vpn.tunnel", "VPN Tunnel", "hourly", "tunnel", "0.015", "zero"),
            ("net.nat.gw", "NAT Gateway", "hourly", "gateway", "0.045", "zero"),
            ("net.fw.std", "Firewall Standard", "hourly", "firewall", "0.12", "zero"),
            ("net.fw.adv", "Firewall Advanced", "hourly", "firewall", "0.38", "zero"),
            ("net.dx.1g", "Direct Connect 1 Gbps Port", "monthly", "port", "220", "full"),
            ("net.dx.10g", "Direct Connect 10 Gbps Port", "monthly", "port", "1650", "full"),
            ("net.bw.commit.mbps", "Committed Bandwidth", "monthly", "Mbps", "0.85", "full"),
            ("net.dns.zone", "DNS Zone", "monthly", "zone", "0.50", "full"),
            ("net.ddos.std", "DDoS Protection Standard", "monthly", "policy", "30", "full"),
            ("net.ddos.adv", "DDoS Protection Advanced", "monthly", "policy", "2950", "full"),
            ("net.cdn.zone", "CDN Zone", "monthly", "zone", "20", "full"),
            ("net.peering", "VPC Peering", "monthly", "peering", "8", "full"),
            ("net.transit.gw", "Transit Gateway Attachment", "hourly", "attachment", "0.05", "zero"),
            ("net.privatelink", "Private Link Endpoint", "hourly", "endpoint", "0.011", "zero"),
            ("net.accelerator", "Global Accelerator", "hourly", "accelerator", "0.025", "zero")):
        add(sku, name, "network", charge_type, unit, usd, idle)
    for os_key, label in OS_LICENCES.items():
        base = F({"windows-std": "0.046", "windows-dc": "0.092", "rhel": "0.013", "sles": "0.012",
                  "ubuntu-pro": "0.004", "oracle-linux": "0.009"}[os_key])
        add(f"lic.os.{os_key}.vcpu", f"{label} per vCPU", "license", "hourly", "vCPU", base, "zero")
        add(f"lic.os.{os_key}.inst.mon", f"{label} per Instance Monthly", "license", "monthly", "instance",
            base * 4 * 730, "full")
        add(f"lic.os.{os_key}.annual", f"{label} per Instance Annual", "license", "annual", "instance",
            base * 4 * 730 * 10, "full")
    for db_key, label in DB_LICENCES.items():
        base = F({"mssql-std": "60", "mssql-ent": "230", "mssql-web": "9", "oracle-se2": "140",
                  "oracle-ee": "590", "db2": "180"}[db_key])
        add(f"lic.db.{db_key}.core.mon", f"{label} per Core Monthly", "license", "monthly", "core", base, "full")
        add(f"lic.db.{db_key}.core.yr", f"{label} per Core Annual", "license", "annual", "core", base * 10, "full")
    for app_key, label in APP_LICENCES.items():
        base = F({"siem": "9", "backup-agent": "4", "antivirus": "3", "monitoring": "6", "rdp-cal": "5", "vdi": "14"}[app_key])
        add(f"lic.app.{app_key}.user.mon", f"{label} per User Monthly", "license", "monthly", "user", base, "full")
        add(f"lic.app.{app_key}.user.yr", f"{label} per User Annual", "license", "annual", "user", base * 11, "full")
    for engine, label in DB_ENGINES.items():
        factor = F(DB_ENGINE_FACTOR[engine])
        for vcpu, gb in DB_SIZES:
            add(f"db.{engine}.{vcpu}x{gb}", f"Managed {label} {vcpu} vCPU / {gb} GB", "database", "hourly",
                "instance", (vcpu * cpu + gb * mem) * factor, "zero")
    for sku, name, usd in (("db.stor.ssd.gb", "Database SSD Storage", "0.115"),
                           ("db.stor.nvme.gb", "Database NVMe Storage", "0.19"),
                           ("db.backup.gb", "Database Backup Storage", "0.095"),
                           ("db.iops", "Database Provisioned IOPS", "0.10")):
        add(sku, name, "database", "monthly", "GB" if sku.endswith("gb") else "IOPS", usd, "full")
    add("cls.k8s.control", "Kubernetes Control Plane", "cluster", "hourly", "cluster", "0.10", "full")
    add("cls.k8s.control.ha", "Kubernetes HA Control Plane", "cluster", "hourly", "cluster", "0.25", "full")
    for family, vcpu, gb in K8S_NODE_SIZES:
        factor = VM_FAMILIES[family][1]
        add(f"cls.k8s.node.{family}{vcpu}x{gb}", f"Kubernetes Node {family.upper()} {vcpu} vCPU / {gb} GB",
            "cluster", "hourly", "node", (vcpu * cpu + gb * mem) * factor * F("1.03"), "zero")
    for kind, (label, factor) in DATA_CLUSTERS.items():
        for vcpu, gb in DATA_CLUSTER_SIZES:
            add(f"cls.{kind}.{vcpu}x{gb}", f"Managed {label} {vcpu} vCPU / {gb} GB", "cluster", "hourly", "node",
                (vcpu * cpu + gb * mem) * F(factor), "zero")
    for sku, name, charge_type, unit, usd, idle in (
            ("lb.basic", "Load Balancer Basic", "hourly", "LB", "0.012", "zero"),
            ("lb.std", "Load Balancer Standard", "hourly", "LB", "0.025", "zero"),
            ("lb.adv", "Load Balancer Advanced", "hourly", "LB", "0.06", "zero"),
            ("lb.global", "Global Load Balancer", "hourly", "LB", "0.09", "zero"),
            ("lb.lcu", "Load Balancer Capacity Unit", "hourly", "LCU", "0.008", "zero"),
            ("lb.rule", "Load Balancer Rule", "monthly", "rule", "0.80", "full"),
            ("lb.cert", "Managed TLS Certificate", "monthly", "certificate", "2.00", "full"),
            ("lb.waf", "Web Application Firewall", "hourly", "policy", "0.03", "zero")):
        add(sku, name, "load_balancer", charge_type, unit, usd, idle)
    add("ha.vm.failover", "VM Automatic Failover", "high_availability", "monthly", "VM", "12", "full")
    for vcpu, gb in ((2, 8), (4, 16), (8, 32), (16, 64)):
        add(f"ha.vm.standby.{vcpu}x{gb}", f"Warm Standby {vcpu} vCPU / {gb} GB", "high_availability", "hourly",
            "instance", (vcpu * cpu + gb * mem) * F("0.40"), "zero")
    for vcpu, gb in DB_SIZES[1:6]:
        add(f"ha.db.replica.{vcpu}x{gb}", f"Database Replica {vcpu} vCPU / {gb} GB", "high_availability",
            "hourly", "replica", (vcpu * cpu + gb * mem) * F("1.10"), "zero")
    for sku, name, usd in (("ha.dr.site", "Disaster Recovery Site", "450"),
                           ("ha.backup.replication.gb", "Cross-Region Backup Replication", "0.02"),
                           ("ha.zone.redundant", "Zone-Redundant Deployment", "35"),
                           ("ha.dr.runbook", "DR Runbook Automation", "90")):
        add(sku, name, "high_availability", "monthly", "GB" if sku.endswith(".gb") else "site", usd, "full")
    for plan, (label, usd) in SUPPORT_PLANS.items():
        add(f"sup.{plan}.monthly", f"{label} Support Monthly", "support", "monthly", "plan", usd, "full")
        add(f"sup.{plan}.annual", f"{label} Support Annual", "support", "annual", "plan", F(usd) * 11, "full")
    add("sup.tam.monthly", "Technical Account Manager", "support", "monthly", "plan", "3500", "full")
    add("sup.addon.24x7.mon", "24x7 Phone Add-on Monthly", "support", "monthly", "plan", "250", "full")
    add("sup.addon.24x7.yr", "24x7 Phone Add-on Annual", "support", "annual", "plan", "2750", "full")
    for sku, name, unit, usd in (
            ("svc.setup.vm", "VM Setup", "VM", "45"), ("svc.setup.db", "Database Setup", "database", "150"),
            ("svc.setup.cluster", "Cluster Setup", "cluster", "600"),
            ("svc.setup.network", "Network Setup", "network", "250"),
            ("svc.migration.vm", "VM Migration", "VM", "120"), ("svc.migration.db", "Database Migration",
                                                               "database", "900"),
            ("svc.migration.tb", "Data Migration", "TB", "75"), ("svc.onboarding", "Onboarding", "account", "500"),
            ("svc.consulting.hour", "Consulting", "hour", "185"),
            ("svc.architecture.review", "Architecture Review", "review", "2400"),
            ("svc.security.audit", "Security Audit", "audit", "5200"),
            ("svc.training.seat", "Training", "seat", "350"), ("svc.dr.test", "DR Test", "test", "1800"),
            ("svc.data.import.tb", "Data Import", "TB", "40"),
            ("svc.hardware.install", "Hardware Installation", "unit", "300"),
            ("svc.rack.setup", "Rack Setup", "rack", "1200"), ("svc.cabling", "Structured Cabling", "port", "60"),
            ("svc.express.setup", "Express Provisioning", "order", "95"),
            ("svc.custom.image", "Custom Image Build", "image", "420"),
            ("svc.pentest", "Penetration Test", "test", "7800"),
            ("svc.data.wipe", "Certified Data Wipe", "TB", "55"),
            ("svc.decommission", "Assisted Decommission", "order", "180")):
        add(sku, name, "service", "one_time", unit, usd, "empty")
    return skus


def _new_skus() -> list[Sku]:
    family, label, factor, sizes = NEW_VM_FAMILY
    cpu, mem = Fraction(CPU_GRADES["std"][1]), Fraction(MEM_GRADES["std"][1])
    return [Sku(f"vm.{family}.{v}x{g}", f"{label} VM {v} vCPU / {g} GB", "compute", "hourly", "instance",
                (v * cpu + g * mem) * factor, "empty") for v, g in sizes]


def _priced(sku: Sku, usd: Fraction, ratio: Fraction, effective_from: date) -> list[CatalogRow]:
    rows = []
    for tenant in TENANTS:
        tenant_usd = usd if tenant == "SO" else usd * ratio
        for currency in CURRENCIES:
            price = nice_price(tenant_usd / LIST_RATES[currency], currency)
            idle = {"empty": "", "zero": "0", "full": format_decimal(price)}[sku.idle]
            rows.append(CatalogRow(sku, tenant, currency, price, idle, effective_from))
    return rows


def _cost_ratio(rng, sku: Sku) -> Fraction:
    family = sku.sku.split(".")[1] if sku.sku.startswith("vm.") else ""
    special = LOSS_MAKERS.get(sku.sku) or LOSS_MAKERS.get(family)
    if special:
        return Fraction(special)
    return Fraction(rng.randint(45, 85), 100)


def build_catalogue(seed: int, start: date, end: date) -> Catalogue:
    """The SKUs, their prices and the three uploads for a simulation of `[start, end)`."""
    rng = rng_for(seed, "catalogue")
    skus: dict[str, Sku] = {}
    for definition in _sku_definitions() + _new_skus():
        jitter = Fraction(10000 + rng.randint(-300, 300), 10000)
        sku = Sku(definition.sku, definition.product_name, definition.category, definition.charge_type,
                  definition.unit, definition.list_usd * jitter, definition.idle)
        skus[sku.sku] = replace(sku, cost_ratio=_cost_ratio(rng, sku))
    new_skus = [s.sku for s in _new_skus()]

    first_month_days = (min(end, date(start.year + start.month // 12, start.month % 12 + 1, 1)) - start).days
    if first_month_days >= 20:
        launch, change, upload = (start + timedelta(days=d) for d in (11, 14, 19))
    elif first_month_days >= 4:
        launch, change, upload = (start + timedelta(days=first_month_days * k // 4) for k in (1, 2, 3))
    else:
        launch = change = upload = None

    initial = Upload(f"catalog_{day_stamp(start)}_initial.csv", instant_of(start))
    for sku in skus.values():
        if sku.sku not in new_skus:
            initial.rows.extend(_priced(sku, sku.list_usd, sku.cost_ratio, start.replace(day=1)))
    uploads = [initial]
    if change is not None:
        changed = Upload(f"catalog_{day_stamp(change)}_pricechange.csv", instant_of(change))
        for sku_id, so_factor, ho_factor in PRICE_CHANGES:
            sku = skus[sku_id]
            so_usd = sku.list_usd * Fraction(so_factor)
            ho_ratio = sku.cost_ratio * Fraction(ho_factor) / Fraction(so_factor)
            changed.rows.extend(_priced(sku, so_usd, ho_ratio, change))
        launched = Upload(f"catalog_{day_stamp(upload)}_newsku.csv", instant_of(upload))
        for sku_id in new_skus:
            launched.rows.extend(_priced(skus[sku_id], skus[sku_id].list_usd, skus[sku_id].cost_ratio, launch))
        uploads += [changed, launched]
    for u in uploads:
        u.rows.sort(key=lambda r: (r.sku.sku, r.tenant, r.currency))
    return Catalogue(skus, uploads, change, launch, upload, new_skus if launch else [])


def write_catalogue(inbox: Path, catalogue: Catalogue) -> list[str]:
    names = []
    for upload in catalogue.uploads:
        with open(inbox / upload.file_name, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(CATALOG_HEADER)
            writer.writerows(row.as_csv() for row in upload.rows)
        names.append(upload.file_name)
    return names
