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


def demo_goals(store: Store, today: date | None = None) -> int:
    """This quarter's goals of template 1, set from the last 90 days' pace; once. `today`:
    the store's today (a test's fixed day), else the clock's."""
    from datetime import datetime, timedelta

    from shopops.analytics.queries import metrics
    from shopops.planning import goals
    from shopops.planning.models import Goal

    if Goal.objects.filter(store=store).exists():
        return 0
    today = today or datetime.now(store.zone).date()
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


# The demo's plan for the quarter (template 2), days from today: (task, owner, start, length,
# progress, status, the task it starts after, the goal's metric). Done ones in the past,
# two past their due date and not done (已延期), some under way, some to come.
DEMO_PLAN = [
    ("大促活动报名与资源位申请", "campaign_planner", -45, 6, 100, "done", None, "gmv"),
    ("大促主会场页面与主图", "content_editor", -38, 12, 100, "done", 0, "gmv"),
    ("大促备货与入仓", "warehouse", -42, 18, 100, "done", None, None),
    ("直通车大促预算与关键词", "product_ops", -30, 14, 100, "done", None, "gmv"),
    ("客服大促话术与快捷短语", "customer_service", -26, 10, 100, "done", None, None),
    ("大促复盘报告（模板 4）", "analyst", -14, 6, 60, "doing", 1, "gmv"),
    ("老客复购短信召回", "user_ops", -16, 12, 40, "doing", None, "repurchase_rate"),
    ("年末活动报名", "campaign_planner", -10, 7, 100, "done", None, "gmv"),
    ("年末活动页面与主图", "content_editor", -2, 9, 50, "doing", 7, "gmv"),
    ("年货节选品", "product_ops", -1, 12, 20, "doing", None, "aov"),
    ("年末活动备货", "warehouse", -6, 14, 60, "doing", None, None),
    ("年末活动复盘", "analyst", 14, 6, 0, "todo", 8, "gmv"),
    ("下季度目标拆解（模板 1）", "ops_lead", 20, 8, 0, "todo", None, None),
]


def demo_plan(store: Store, today: date | None = None) -> int:
    """The quarter's plan of tasks, tied to the demo's goals; once (none when the store has
    tasks). Owners are the demo's role accounts that exist."""
    from datetime import datetime, timedelta

    from shopops.planning import work
    from shopops.planning.models import Goal, Task

    if Task.objects.filter(store=store).exists():
        return 0
    now = datetime.now(store.zone)
    if today is not None:  # statuses settle against the plan's own day (late, open)
        now = datetime.combine(today, now.timetz())
    today = now.date()
    users = {u.username: u for u in User.objects.filter(username__in={r[1] for r in DEMO_PLAN})}
    goals = {g.metric: g for g in Goal.objects.filter(store=store).order_by("start")}
    made = []
    for name, owner, offset, length, progress, status, after, metric in DEMO_PLAN:
        start = today + timedelta(days=offset)
        made.append(
            work.create_task(
                None, store, name=name, start=start, due=start + timedelta(days=length - 1),
                owner=users.get(owner), status=status, progress=progress,
                goal=goals.get(metric), depends_on=[made[after].pk] if after is not None else (),
                departments=DEPARTMENTS.get(owner, ""), via="demo", now=now,
            )
        )  # fmt: skip
    return len(made)


DEPARTMENTS = {
    "campaign_planner": "活动部、运营部",
    "content_editor": "设计部",
    "warehouse": "仓储部",
    "product_ops": "商品部、推广部",
    "customer_service": "客服部",
    "analyst": "数据部",
    "user_ops": "用户运营部",
    "ops_lead": "运营部",
}


def demo_fulfilment(store: Store) -> int:
    """Today's open orders through channel intake, so the fulfilment pages have work: most
    reserve their stock, two wait for a SKU running out (库存不足), one has a buyer message
    and one an incomplete address. Once per store; returns the orders posted."""
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from shopops.inventory.models import StockLevel
    from shopops.orders import intake
    from shopops.orders.models import IntakeReceipt

    if IntakeReceipt.objects.filter(store=store).exists():
        return 0
    levels = list(
        StockLevel.objects.filter(store=store)
        .annotate(free=F("on_hand") - F("reserved"))
        .select_related("sku")
        .order_by("free", "pk")
    )
    free_by_sku: dict[int, list[int]] = {}
    for level in levels:
        free_by_sku.setdefault(level.sku_id, []).append(level.free)
    stocked = [lv for lv in levels if lv.free > 0]
    if not stocked:
        return 0
    # Scarce: the SKU with the fewest free units; plenty: the most in one warehouse.
    scarce = min(stocked, key=lambda lv: (sum(free_by_sku[lv.sku_id]), -lv.free, lv.pk))
    plenty = stocked[-1]
    frees = sorted(free_by_sku[scarce.sku_id], reverse=True)
    first = frees[0]  # fits whole in one warehouse
    short = (frees[1] if len(frees) > 1 else 0) + 1  # then more than any warehouse has left
    now = timezone.now()
    address = {
        "name": "李雷",
        "phone": "13800001234",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "address": "文三路 90 号",
    }
    bodies = []
    for i in range(6):
        bodies.append(
            (f"DEMO-{i + 1:03d}", plenty.sku, 1, {}, dict(address, address=f"文一路 {i} 号"))
        )
    bodies.append(
        ("DEMO-007", plenty.sku, 2, {"buyer_message": "请周末送货，工作日家里没人"}, address)
    )
    bodies.append(("DEMO-008", plenty.sku, 1, {}, dict(address, phone="")))
    # The scarce SKU: the first order takes what is free, the next two wait for stock.
    bodies.append(("DEMO-009", scarce.sku, first, {}, dict(address, address="学院路 1 号")))
    bodies.append(("DEMO-010", scarce.sku, short, {}, dict(address, address="学院路 2 号")))
    bodies.append(("DEMO-011", scarce.sku, short, {}, dict(address, address="学院路 3 号")))
    for n, (order_id, sku, qty, extra, receiver) in enumerate(bodies):
        at = (now - timedelta(minutes=90 - 7 * n)).isoformat()
        intake.receive(
            None,
            store,
            {
                "order_id": order_id,
                "created_at": at,
                "paid_at": at,
                "customer_id": f"demo-buyer-{n}",
                "paid_amount": str(sku.price * qty),
                "lines": [{"sku": sku.code, "quantity": qty, "unit_price": str(sku.price)}],
                "shipping_address": receiver,
                **extra,
            },
            via="demo",
        )
    return len(bodies)
