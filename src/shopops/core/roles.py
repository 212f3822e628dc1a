"""The eight roles of SPEC.md as groups with explicit permissions.

A role's permissions are listed here and nowhere else; `sync_roles` makes the groups match
after every migrate, so a changed list takes effect on the next `migrate`.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from shopops.core.modules import MODULES

# Data permissions that cut across modules.
VIEW_COSTS = "view_costs"
VIEW_PERSONAL_DATA = "view_personal_data"
MANAGE_USERS = "manage_users"

ALL = frozenset(m.key for m in MODULES)


@dataclass(frozen=True)
class Role:
    key: str
    group_name: str
    label: str
    view: frozenset[str]
    change: frozenset[str]
    data: frozenset[str] = frozenset()

    def codenames(self) -> set[str]:
        return (
            {f"view_{k}" for k in self.view | self.change}
            | {f"change_{k}" for k in self.change}
            | set(self.data)
        )


def _s(*keys: str) -> frozenset[str]:
    return frozenset(keys)


ROLES: tuple[Role, ...] = (
    Role(
        "ops_lead",
        "运营负责人",
        _("Operations lead"),
        view=ALL,
        change=ALL,
        data=_s(VIEW_COSTS, VIEW_PERSONAL_DATA, MANAGE_USERS),
    ),
    Role(
        "product_ops",
        "商品运营",
        _("Product operations"),
        view=_s(
            "dashboard",
            "metrics",
            "goals",
            "daily_report",
            "alerts",
            "orders",
            "campaigns",
            "profit",
            "stores",
        ),
        change=_s("imports", "plans", "daily_report", "products", "inventory", "competitors"),
        data=_s(VIEW_COSTS),
    ),
    Role(
        "user_ops",
        "用户运营",
        _("User operations"),
        view=_s(
            "dashboard",
            "metrics",
            "goals",
            "daily_report",
            "alerts",
            "orders",
            "campaigns",
            "service",
            "stores",
        ),
        change=_s("imports", "plans", "daily_report", "members"),
        data=_s(VIEW_PERSONAL_DATA),
    ),
    Role(
        "campaign_planner",
        "活动策划",
        _("Campaign planner"),
        view=_s(
            "dashboard",
            "metrics",
            "goals",
            "daily_report",
            "alerts",
            "products",
            "inventory",
            "members",
            "competitors",
            "profit",
            "stores",
        ),
        change=_s("plans", "daily_report", "campaigns"),
        data=_s(VIEW_COSTS),
    ),
    Role(
        "content_editor",
        "内容编辑",
        _("Content editor"),
        view=_s("dashboard", "campaigns", "competitors", "stores"),
        change=_s("plans", "products"),
    ),
    Role(
        "customer_service",
        "客服专员",
        _("Customer service agent"),
        view=_s("dashboard", "orders", "members", "stores"),
        change=_s("service", "plans"),
        data=_s(VIEW_PERSONAL_DATA),
    ),
    Role(
        "analyst",
        "数据分析师",
        _("Analyst"),
        view=ALL - _s("audit"),
        change=frozenset(),
        data=_s(VIEW_COSTS),
    ),
    Role(
        "warehouse",
        "仓储物流",
        _("Warehouse & logistics"),
        view=_s("dashboard", "alerts", "products", "stores"),
        change=_s("inventory", "orders", "plans"),
        data=_s(VIEW_PERSONAL_DATA),
    ),
)

ROLES_BY_KEY = {r.key: r for r in ROLES}


def sync_roles() -> None:
    """Create or update one group per role holding exactly the role's permissions."""
    from django.contrib.auth.models import Group, Permission

    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="core")}
    for role in ROLES:
        wanted = role.codenames()
        missing = wanted - perms.keys()
        if missing:
            raise RuntimeError(f"role {role.key}: unknown permissions {sorted(missing)}")
        group, _created = Group.objects.get_or_create(name=role.group_name)
        group.permissions.set([perms[c] for c in wanted])


def sync_roles_after_migrate(sender, using="default", **kwargs) -> None:
    from django.contrib.auth.management import create_permissions

    create_permissions(sender, verbosity=0, using=using)
    sync_roles()


def role_of(user) -> Role | None:
    """The user's role (its first, if a user was given several groups)."""
    names = {g.name for g in user.groups.all()}
    return next((r for r in ROLES if r.group_name in names), None)
