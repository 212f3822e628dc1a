"""The modules of the console (SPEC.md), one entry each.

The sidebar, the role matrix, page access and API access all read this list, so a module
exists in exactly one place. `issue` names the issue that builds a module not built yet.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Module:
    key: str
    label: str
    icon: str
    section: str
    summary: str
    built: bool = False
    issue: int | None = None
    page: str = ""  # URL name of the module's page; default "web:<key>"

    @property
    def url_name(self) -> str:
        return self.page or f"web:{self.key}"

    @property
    def view_perm(self) -> str:
        return f"core.view_{self.key}"

    @property
    def change_perm(self) -> str:
        return f"core.change_{self.key}"


SECTIONS = {
    "loop": _("Operating loop"),
    "business": _("Business"),
    "admin": _("Administration"),
}

MODULES: tuple[Module, ...] = (
    Module(
        "dashboard",
        _("Dashboard"),
        "ti-layout-dashboard",
        "loop",
        _("Core metrics against target, trends, traffic mix and open anomalies."),
        built=True,
        page="web:home",
    ),
    Module(
        "imports",
        _("Data import"),
        "ti-database-import",
        "loop",
        _("Orders, products, stock, traffic and ad data from platform exports and CSV."),
        built=True,
        page="ingest:page",
    ),
    Module(
        "metrics",
        _("Metrics"),
        "ti-chart-histogram",
        "loop",
        _("Every number computed one way: GMV, buyers, CVR, AOV, repurchase and more."),
        built=True,
        page="analytics:explore",
    ),
    Module(
        "goals",
        _("Goals"),
        "ti-target-arrow",
        "loop",
        _("Quarter goals decomposed into months, weeks and days, tracked live."),
        built=True,
        page="planning:goals",
    ),
    Module(
        "plans",
        _("Plans & tasks"),
        "ti-list-check",
        "loop",
        _("Tasks with owners and dependencies, a Gantt view and daily checklists."),
        built=True,
        page="planning:tasks",
    ),
    Module(
        "daily_report",
        _("Daily report"),
        "ti-report-analytics",
        "loop",
        _("The morning report of each core metric against its target, with diagnosis."),
        built=True,
        page="monitoring:daily",
    ),
    Module(
        "alerts",
        _("Alerts"),
        "ti-bell-ringing",
        "loop",
        _("Threshold, target and change rules with in-app, e-mail and webhook delivery."),
        built=True,
        page="alerts:center",
    ),
    Module(
        "products",
        _("Products"),
        "ti-package",
        "business",
        _("Catalog, product roles, lifecycle, listing audit and pricing."),
    ),
    Module(
        "inventory",
        _("Inventory"),
        "ti-building-warehouse",
        "business",
        _("Stock per SKU and warehouse, movement ledger, replenishment."),
        built=True,
        page="inventory:levels",
    ),
    Module(
        "orders",
        _("Orders & fulfilment"),
        "ti-truck-delivery",
        "business",
        _("Order states, audit exceptions, shipping SLA and logistics tracking."),
        built=True,
        page="orders:queue",
    ),
    Module(
        "members",
        _("Members"),
        "ti-users-group",
        "business",
        _("Lifecycle segments, RFM groups, cohorts, tiers, points and touches."),
    ),
    Module(
        "campaigns",
        _("Campaigns & ads"),
        "ti-speakerphone",
        "business",
        _("Campaign plans, promotion rules, ad plans and retrospectives."),
        built=True,
        page="campaigns:list",
    ),
    Module(
        "service",
        _("Customer service"),
        "ti-headset",
        "business",
        _("After-sales cases, reviews and DSR."),
    ),
    Module(
        "profit",
        _("Profit"),
        "ti-coin-yuan",
        "business",
        _("Profit per line, SKU, store and period; loss makers flagged."),
    ),
    Module(
        "competitors",
        _("Competitors"),
        "ti-binoculars",
        "business",
        _("Competitors' products, prices and promotions over time."),
    ),
    Module(
        "stores",
        _("Stores"),
        "ti-building-store",
        "admin",
        _("Stores and channels: platform, currency, time zone, commission."),
        built=True,
        page="core:store_list",
    ),
    Module(
        "audit",
        _("Audit log"),
        "ti-history",
        "admin",
        _("Who changed money, stock, prices, goals and rules, when, before and after."),
        built=True,
        page="core:audit_log",
    ),
)

MODULES_BY_KEY = {m.key: m for m in MODULES}


def get_module(key: str) -> Module:
    return MODULES_BY_KEY[key]
