"""The demo: one store, an administrator and one user per role."""

import secrets
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shopops.core import services
from shopops.core.models import Store, User
from shopops.core.roles import ROLES

DEMO_STORE = {
    "code": "demo",
    "name": "示例旗舰店",
    "platform": "tmall",
    "currency": "CNY",
    "timezone": "Asia/Shanghai",
    "commission_rate": Decimal("0.05"),
}


def _password() -> str:
    return secrets.token_urlsafe(9)


@transaction.atomic
def prepare() -> list[tuple[str, str, str]]:
    """Create what is missing; every run gives every demo account a fresh password."""
    store = Store.objects.filter(code=DEMO_STORE["code"]).first()
    if store is None:
        store = services.create_store(None, via="demo", **DEMO_STORE)
    accounts = [("admin", _("Administrator"), None)] + [(r.key, r.label, r.key) for r in ROLES]
    out = []
    for username, label, role in accounts:
        password = _password()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.create_user(
                username=username,
                password=password,
                role=role,
                stores=[store],
                superuser=role is None,
            )
        else:
            user.set_password(password)
            user.is_active = True
            user.save()
            if role:
                services.set_role(user, role)
            services.grant_stores(user, [store])
        out.append((username, password, str(label)))
    return out


def format_credentials(credentials, url: str) -> str:
    lines = [f"ShopOps demo: {url}", "", f"{'username':<18}{'password':<16}role"]
    lines += [f"{u:<18}{p:<16}{label}" for u, p, label in credentials]
    lines.append("")
    lines.append("(passwords are new on every `./shopops demo` run)")
    return "\n".join(lines)


def demo_store() -> Store:
    return Store.objects.get(code=DEMO_STORE["code"])


DEMO_GOALS = [
    # metric, 中文 name, department, growth over the last 90 days' pace
    ("gmv", "季度销售额", "运营部", Decimal("1.10")),
    ("visitors", "季度访客数", "推广部", Decimal("1.10")),
    ("orders", "季度支付订单数", "运营部", Decimal("1.10")),
    ("cvr", "支付转化率", "运营部", Decimal("1.05")),
    ("aov", "客单价", "商品部", Decimal("1.03")),
    ("repurchase_rate", "复购率（用户端）", "用户运营部", Decimal("1.10")),
    ("roi", "推广投入产出比", "推广部", Decimal("1.05")),
    ("topn_share:3", "TOP3 商品销售额占比（商品端）", "商品部", Decimal("1.00")),
    ("source_share:natural_search", "自然搜索流量占比（流量端）", "推广部", Decimal("1.05")),
]


def demo_goals(store: Store) -> int:
    """This quarter's goals of template 1, set from the last 90 days' pace; once."""
    from datetime import datetime, timedelta

    from shopops.analytics.queries import metrics
    from shopops.planning import goals
    from shopops.planning.models import Goal

    if Goal.objects.filter(store=store).exists():
        return 0
    today = datetime.now(store.zone).date()
    start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    end = (date(start.year + (start.month + 2) // 12, (start.month + 2) % 12 + 1, 1)) - timedelta(
        days=1
    )
    days = (end - start).days + 1
    keys = [m for m, *_ in DEMO_GOALS]
    (recent,) = metrics(keys, store, today - timedelta(days=90), today - timedelta(days=1), "none")
    from shopops.monitoring.daily_report import WINDOWED

    made = 0
    for metric, name, department, growth in DEMO_GOALS:
        value = recent[metric]
        window = WINDOWED.get(metric)
        if window:  # measured over the same trailing window as the daily report
            (row,) = metrics(
                [metric], store, today - timedelta(days=window), today - timedelta(days=1), "none"
            )
            value = row[metric]
        if value is None:
            continue
        if goals.is_additive(metric):
            target = (Decimal(value) / 90 * days * growth).quantize(Decimal("1"))
            note = f"近 90 天日均 x {days} 天 x {growth}"
        else:
            target = (Decimal(value) * growth).quantize(Decimal("0.0001"))
            note = f"近 {window or 90} 天 {value} x {growth}"
        goals.create_goal(
            None,
            store,
            via="cli",
            name=name,
            metric=metric,
            target=target,
            period="quarter",
            start=start,
            end=end,
            department=department,
            calculation_note=note,
        )
        made += 1
    return made
