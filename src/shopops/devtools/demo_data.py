"""The demo store: a simulated year of a Tmall home-goods shop that looks like a real one.

Deterministic for (seed, months, end date). Demand follows a weekly rhythm, a yearly curve
with 38节, 618 and 双11 peaks and a Spring Festival dip, and a slow upward trend; customers
come back after realistic gaps; traffic by source is derived from the day's buyers with
source-specific conversion, so visitors x conversion = buyers holds; ad plans spend, get
clicks and attributed GMV; some orders are refunded, some shipments late, and buyers leave
reviews with DSR scores that suffer when delivery was slow.
"""

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from shopops.analytics.cache import facts_changed
from shopops.catalog.models import Product, Sku, Supplier
from shopops.core.numbers import add_months, split
from shopops.customers.models import Customer
from shopops.ingest.bulk import insert_objects
from shopops.inventory.models import MovementKind, StockLevel, StockMovement, Warehouse
from shopops.marketing.models import AdFact, TrafficFact
from shopops.orders.models import Order, OrderLine, Shipment, ShipmentEvent
from shopops.service.models import AfterSalesCase, Review

CENT = Decimal("0.01")
BATCH = 5000

# category: (base price, SPU names)
CATEGORIES = {
    "杯具水具": (
        69,
        [
            "316不锈钢保温杯",
            "玻璃随手杯",
            "大容量吨吨桶",
            "陶瓷马克杯",
            "儿童吸管杯",
            "焖烧杯",
            "咖啡随行杯",
            "茶水分离杯",
        ],
    ),
    "厨房用品": (
        89,
        [
            "不粘炒锅",
            "陶瓷刀具套装",
            "硅胶锅铲",
            "密封保鲜盒",
            "砧板",
            "调料瓶套装",
            "空气炸锅纸",
            "多功能料理剪",
        ],
    ),
    "家居收纳": (
        59,
        [
            "桌面收纳盒",
            "衣柜分层架",
            "真空压缩袋",
            "抽屉分隔盒",
            "鞋盒",
            "床底收纳箱",
            "壁挂置物架",
            "化妆品收纳架",
        ],
    ),
    "床品家纺": (
        199,
        [
            "纯棉四件套",
            "乳胶枕",
            "夏凉被",
            "法兰绒毯",
            "羽绒被",
            "记忆棉床垫",
            "蚕丝枕套",
            "儿童睡袋",
        ],
    ),
    "个护清洁": (
        49,
        ["电动牙刷", "洗脸巾", "浴球", "按摩梳", "除螨仪", "香薰机", "挂烫机", "剃须刀"],
    ),
    "宠物用品": (
        79,
        [
            "猫砂盆",
            "宠物饮水机",
            "猫抓板",
            "狗狗牵引绳",
            "宠物窝",
            "自动喂食器",
            "宠物梳",
            "冻干零食",
        ],
    ),
    "户外露营": (
        159,
        ["折叠露营椅", "天幕", "便携炉具", "保温箱", "登山杖", "头灯", "防潮垫", "户外水壶"],
    ),
    "文具办公": (
        39,
        [
            "中性笔套装",
            "手账本",
            "桌面台灯",
            "显示器增高架",
            "文件夹",
            "便利贴",
            "笔筒",
            "护腕鼠标垫",
        ],
    ),
}
VARIANTS = [("标准款", 1.0), ("升级款", 1.35), ("礼盒装", 1.7), ("大号", 1.2)]
ROLE_MARGIN = {"traffic": 0.18, "profit": 0.48, "image": 0.58}
ROLE_PRICE = {"traffic": 0.6, "profit": 1.0, "image": 2.2}
CARRIERS = [
    ("中通快递", 2.2, 0.04),
    ("圆通速递", 2.4, 0.05),
    ("韵达快递", 2.6, 0.06),
    ("顺丰速运", 1.4, 0.01),
    ("京东物流", 1.6, 0.02),
]
PROVINCES = [
    ("广东省", "广州市", 12),
    ("浙江省", "杭州市", 10),
    ("江苏省", "南京市", 9),
    ("上海", "上海市", 7),
    ("北京", "北京市", 6),
    ("山东省", "济南市", 6),
    ("四川省", "成都市", 5),
    ("福建省", "福州市", 5),
    ("河南省", "郑州市", 4),
    ("湖北省", "武汉市", 4),
    ("湖南省", "长沙市", 3),
    ("安徽省", "合肥市", 3),
    ("河北省", "石家庄市", 3),
    ("陕西省", "西安市", 2),
    ("辽宁省", "沈阳市", 2),
    ("重庆", "重庆市", 3),
    ("天津", "天津市", 2),
    ("云南省", "昆明市", 2),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲飞鹏辉建林婷雪琳晨宇"
# source: (share of buyers on a normal day, conversion rate)
SOURCES = {
    "natural_search": (0.42, 0.031),
    "paid": (0.24, 0.036),
    "campaign": (0.12, 0.052),
    "member": (0.12, 0.083),
    "other": (0.10, 0.016),
}
WEEKDAY = [0.93, 0.92, 0.95, 0.97, 1.0, 1.12, 1.11]
# The ordinary level of each month, at its middle; the peaks are event_factor's. November's
# ordinary days are not far above October's: a store's 双11 is its event days, and a
# month-long step would read as an anomaly after the event's window.
MONTH = [0.95, 0.78, 0.95, 0.92, 1.0, 1.15, 0.9, 0.88, 0.95, 1.05, 1.12, 1.2]
HOURS = [
    3,
    1.5,
    0.8,
    0.5,
    0.4,
    0.6,
    1.2,
    2.5,
    4,
    5.5,
    6.5,
    6,
    5.5,
    5.5,
    6,
    6,
    5.5,
    5,
    5.5,
    6.5,
    8,
    8.5,
    7.5,
    5,
]


# What buyers write, by rating (1–2, 3, 4–5); seven each, so the simulation draws the same.
_LOW = ["发货太慢了", "和图片有色差", "质量一般，有点失望", "包装破损", "用了两天就坏了",
        "客服回复太慢", "尺寸不对"]  # fmt: skip
_MID = ["一般般吧", "还行，凑合用", "物流有点慢", "和描述差不多", "价格略贵", "中规中矩",
        "颜色偏暗"]  # fmt: skip
_HIGH = ["质量很好，物流也快", "性价比高，回购了", "包装精美，送人合适", "很好用，推荐",
         "和图片一样", "客服很耐心", "第二次买了"]  # fmt: skip
REVIEW_TEXTS = {1: _LOW, 2: _LOW, 3: _MID, 4: _HIGH, 5: _HIGH}


def d2(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def month_factor(day: date) -> float:
    """MONTH between the middles of two months, so that a month's first day is no step."""
    middle = date(day.year, day.month, 15)
    if day >= middle:
        other = date(day.year + day.month // 12, day.month % 12 + 1, 15)
    else:
        other = date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 15)
    share = abs((day - middle).days) / abs((other - middle).days)
    return MONTH[day.month - 1] * (1 - share) + MONTH[other.month - 1] * share


def event_factor(day: date) -> float:
    """Promotion peaks: 38节, 618 (ramp from June 1), 双11 (ramp from Nov 1), 双12, and the
    Spring Festival logistics pause."""
    m, d = day.month, day.day
    if m == 11 and d <= 11:
        return 8.0 if d == 11 else (2.2 if d >= 9 else 1.3 + d * 0.04)
    if m == 11 and d <= 13:
        return 1.6
    if m == 6 and d <= 18:
        return 4.0 if d == 18 else (1.9 if d >= 15 else 1.15 + d * 0.03)
    if m == 12 and d == 12:
        return 2.6
    if m == 3 and 6 <= d <= 8:
        return 1.8
    if (m == 1 and d >= 25) or (m == 2 and d <= 12):
        return 0.55
    return 1.0


def is_peak(day: date) -> bool:
    return event_factor(day) >= 1.5


@dataclass
class Plan:
    channel: str
    name: str
    cpc: float
    ctr: float
    daily: float
    window: tuple[tuple[int, int], tuple[int, int]] | None = None  # (month, day) from/to

    def active(self, day: date) -> bool:
        if self.window is None:
            return True
        (m1, d1), (m2, d2_) = self.window
        return (m1, d1) <= (day.month, day.day) <= (m2, d2_)


PLANS = [
    Plan("直通车", "爆款推广-保温杯", 1.35, 0.032, 420),
    Plan("直通车", "全店智能推广", 1.1, 0.026, 300),
    Plan("直通车", "春季上新", 1.6, 0.029, 260, ((3, 1), (4, 30))),
    Plan("引力魔方", "品牌人群拉新", 0.85, 0.012, 260),
    Plan("淘宝客", "达人推广", 2.4, 0.045, 150),
    Plan("直通车", "618大促", 1.9, 0.035, 900, ((5, 25), (6, 18))),
    Plan("直通车", "双11大促", 2.2, 0.038, 1500, ((10, 20), (11, 11))),
]


class Generator:
    def __init__(self, store, seed: int, months: int, end: date, target_orders: int):
        self.store = store
        self.rng = random.Random(seed)  # noqa: S311 (a simulation, not secrets)
        self.end = end
        self.start = add_months(end, -months) + timedelta(days=1)  # whole months to end
        self.target = target_orders
        self.zone = store.zone

    # -- catalog -------------------------------------------------------------------------
    def catalog(self):
        rng = self.rng
        suppliers = [
            Supplier(
                store=self.store,
                code=f"SUP{i + 1:02d}",
                name=name,
                lead_time_days=rng.choice([5, 7, 10, 15]),
                payment_terms="月结30天",
            )
            for i, name in enumerate(
                ["义乌优品供应链", "永康五金厂", "南通家纺", "宁波日用", "深圳智能小电", "佛山家居"]
            )
        ]
        insert_objects(Supplier, self.store, suppliers)
        products, skus = [], []
        listed = datetime.combine(self.start - timedelta(days=200), time(10), tzinfo=UTC)
        for c_index, (category, (base, names)) in enumerate(CATEGORIES.items()):
            for s_index, name in enumerate(names):
                role = "traffic" if s_index in (0, 5) else "image" if s_index == 3 else "profit"
                spu = f"{c_index + 1:02d}{s_index + 1:02d}"
                product = Product(
                    store=self.store,
                    spu=f"SPU{spu}",
                    name=name,
                    title=f"{name} {category} 官方旗舰店正品 包邮"[:60],
                    category=category,
                    role=role,
                    status="on_sale",
                    supplier=suppliers[(c_index + s_index) % 6],
                    listed_at=listed + timedelta(days=rng.randint(0, 400)),
                )
                products.append(product)
                price0 = base * ROLE_PRICE[role] * rng.uniform(0.8, 1.25)
                for v_index, (variant, factor) in enumerate(VARIANTS[: 3 + (s_index % 2)]):
                    price = d2(math.floor(price0 * factor) + 0.9)
                    margin = ROLE_MARGIN[role] + rng.uniform(-0.05, 0.05)
                    skus.append(
                        Sku(
                            store=self.store,
                            product=product,
                            code=f"SKU{spu}{v_index + 1}",
                            name=f"{name} {variant}",
                            price=price,
                            cost=(price * Decimal(str(1 - margin))).quantize(Decimal("0.0001")),
                            barcode=f"69{rng.randint(10**10, 10**11 - 1)}",
                            weight_kg=Decimal(str(round(rng.uniform(0.1, 3.0), 3))),
                        )
                    )
        insert_objects(Product, self.store, products)
        for sku in skus:
            sku.product_id = sku.product.pk
        insert_objects(Sku, self.store, skus)
        self.skus = skus
        # Popularity: a long tail (Zipf) so that a few hits carry a large share.
        order = list(range(len(skus)))
        rng.shuffle(order)
        self.popularity = [0.0] * len(skus)
        for rank, index in enumerate(order):
            role = skus[index].product.role
            boost = {"traffic": 2.5, "profit": 1.0, "image": 0.35}[role]
            self.popularity[index] = boost / (rank + 1) ** 0.9

    # -- demand --------------------------------------------------------------------------
    def day_weights(self) -> list[tuple[date, float]]:
        days, day = [], self.start
        total_days = (self.end - self.start).days + 1
        while day <= self.end:
            trend = 0.85 + 0.3 * (day - self.start).days / total_days
            days.append(
                (day, WEEKDAY[day.weekday()] * month_factor(day) * trend * event_factor(day))
            )
            day += timedelta(days=1)
        return days

    def orders(self):
        rng = self.rng
        days = self.day_weights()
        scale = self.target / sum(w for _, w in days)
        customers: list[Customer] = []
        next_visit: dict[date, list[int]] = defaultdict(list)
        cust_province: list[int] = []
        prov_weights = [p[2] for p in PROVINCES]
        orders, lines_by_order = [], []
        self.daily = {}
        order_no = 3_000_000_000_000
        for day, weight in days:
            n = max(1, round(rng.gauss(weight * scale, math.sqrt(weight * scale))))
            returning = next_visit.pop(day, [])
            rng.shuffle(returning)
            buyers_today = set()
            for i in range(n):
                if i < len(returning):
                    ci = returning[i]
                elif rng.random() < 0.03:
                    ci = None  # guest checkout: no buyer identity
                else:
                    ci = len(customers)
                    p = rng.choices(range(len(PROVINCES)), prov_weights)[0]
                    cust_province.append(p)
                    customers.append(
                        Customer(
                            store=self.store,
                            platform_id=f"tb{rng.randint(10**8, 10**9 - 1)}_{ci}",
                            name=rng.choice(SURNAMES)
                            + rng.choice(GIVEN)
                            + rng.choice(["", *GIVEN]),
                            phone=f"1{rng.choice('3578')}{rng.randint(10**8, 10**9 - 1)}",
                            province=PROVINCES[p][0],
                            city=PROVINCES[p][1],
                            address=f"{PROVINCES[p][1]}某区某路{rng.randint(1, 999)}号",
                        )
                    )
                if ci is not None:
                    buyers_today.add(ci)
                    if rng.random() < 0.36:  # comes back after a realistic gap
                        gap = 4 + int(rng.expovariate(1 / 38))
                        next_visit[day + timedelta(days=gap)].append(ci)
                hour = (
                    0
                    if day.month == 11 and day.day == 11 and rng.random() < 0.3
                    else rng.choices(range(24), HOURS)[0]
                )
                created_local = datetime.combine(
                    day, time(hour, rng.randint(0, 59), rng.randint(0, 59))
                )
                created = created_local.replace(tzinfo=self.zone).astimezone(UTC)
                order_no += rng.randint(1, 97)
                province = (
                    PROVINCES[cust_province[ci]]
                    if ci is not None
                    else PROVINCES[rng.choices(range(len(PROVINCES)), prov_weights)[0]]
                )
                orders.append((day, ci, created, str(order_no), province))
                lines_by_order.append(self._lines(day))
            self.daily[day] = {
                "orders": n,
                "buyers": len(buyers_today) + sum(1 for o in orders[-n:] if o[1] is None),
            }
        insert_objects(Customer, self.store, customers)
        self.customers = customers
        self._write_orders(orders, lines_by_order)

    def _lines(self, day: date):
        rng = self.rng
        count = rng.choices([1, 2, 3], [70, 22, 8])[0]
        picks = rng.choices(range(len(self.skus)), self.popularity, k=count)
        out = []
        for index in dict.fromkeys(picks):
            quantity = rng.choices([1, 2, 3], [82, 14, 4])[0]
            out.append((self.skus[index], quantity))
        return out

    def _write_orders(self, orders, lines_by_order):
        rng = self.rng
        now = datetime.combine(self.end + timedelta(days=1), time(8), tzinfo=self.zone)
        order_objs, line_objs, ships, events, cases, reviews = [], [], [], [], [], []
        for (day, ci, created, order_id, province), items in zip(
            orders, lines_by_order, strict=True
        ):
            goods = sum(sku.price * q for sku, q in items)
            discount = Decimal(0)
            if is_peak(day):
                discount = Decimal(30) * int(goods // 300) + (Decimal(10) if goods >= 99 else 0)
            elif rng.random() < 0.08:
                discount = Decimal(10) if goods >= 59 else Decimal(0)
            shipping = Decimal(0) if goods >= 99 else Decimal(8)
            paid_amount = goods - discount + shipping
            paid = rng.random() > 0.03
            order = Order(
                store=self.store,
                order_id=order_id,
                customer=self.customers[ci] if ci is not None else None,
                channel="天猫",
                created_at=created,
                goods_amount=goods,
                discount_amount=discount,
                shipping_fee=shipping,
                province=province[0],
                city=province[1],
            )
            if not paid:
                order.status, order.paid_amount = "cancelled", Decimal(0)
                order.cancelled_at = created + timedelta(minutes=30)
            else:
                order.paid_at = created + timedelta(seconds=rng.randint(5, 600))
                order.paid_amount = paid_amount
                self._fulfil(order, ships, events, cases, reviews, now, items)
            order_objs.append(order)
            shares = split(order.paid_amount, [sku.price * q for sku, q in items])
            line_objs.append(
                [
                    OrderLine(
                        store=self.store,
                        line_no=n,
                        sku=sku,
                        sku_code=sku.code,
                        product_name=sku.name,
                        category=sku.product.category,
                        quantity=q,
                        unit_price=sku.price,
                        line_amount=sku.price * q,
                        unit_cost=sku.cost,
                        allocated_amount=share,
                    )
                    for n, ((sku, q), share) in enumerate(zip(items, shares, strict=True), start=1)
                ]
            )
        insert_objects(Order, self.store, order_objs)
        flat = []
        for order, lines in zip(order_objs, line_objs, strict=True):
            for line in lines:
                line.order_id = order.pk
                flat.append(line)
        insert_objects(OrderLine, self.store, flat)
        for ship in ships:
            ship.order_id = ship.order.pk
        insert_objects(Shipment, self.store, ships)
        for event in events:
            event.shipment_id = event.shipment.pk
        insert_objects(ShipmentEvent, self.store, events)
        for case in cases:
            case.order_id = case.order.pk
        insert_objects(AfterSalesCase, self.store, cases)
        for review in reviews:
            review.order_id = review.order.pk
        insert_objects(Review, self.store, reviews)
        self.paid_orders = [o for o in order_objs if o.paid_at]

    def _fulfil(self, order, ships, events, cases, reviews, now, items):
        rng = self.rng
        carrier, speed, late_rate = rng.choices(CARRIERS, [30, 22, 18, 15, 15])[0]
        late = rng.random() < 0.05
        ship_hours = rng.uniform(50, 90) if late else rng.uniform(3, 40)
        shipped = order.paid_at + timedelta(hours=ship_hours)
        transit = timedelta(
            days=max(0.6, rng.gauss(speed, 0.7))
            + (rng.uniform(2, 5) if rng.random() < late_rate else 0)
        )
        delivered = shipped + transit
        order.status = "paid"
        if shipped < now:
            order.status, order.shipped_at = "shipped", shipped
            ship = Shipment(
                store=self.store,
                order=order,
                carrier=carrier,
                tracking_no=f"{carrier[:1]}{rng.randint(10**11, 10**12 - 1)}",
                shipped_at=shipped,
                status="in_transit",
            )
            ships.append(ship)
            steps = [
                (shipped, "picked_up", "已揽收"),
                (shipped + transit * 0.4, "in_transit", "运输中"),
                (shipped + transit * 0.9, "out_for_delivery", "派送中"),
            ]
            if delivered < now:
                steps.append((delivered, "delivered", "已签收"))
                ship.delivered_at, ship.status = delivered, "delivered"
                order.status, order.delivered_at = "delivered", delivered
                if delivered + timedelta(days=10) < now:
                    order.status = "completed"
                    order.completed_at = delivered + timedelta(days=rng.uniform(1, 10))
            events.extend(
                ShipmentEvent(
                    store=self.store,
                    shipment=ship,
                    at=at,
                    status=status,
                    location=order.city,
                    description=text,
                )
                for at, status, text in steps
                if at < now
            )
        if rng.random() < 0.065:  # refunds: most full, some partial
            full = rng.random() < 0.6
            amount = (
                order.paid_amount if full else d2(float(order.paid_amount) * rng.uniform(0.1, 0.5))
            )
            order.refunded_amount = amount
            if full:
                order.status = "refunded"
            opened = order.paid_at + timedelta(days=rng.uniform(0.5, 12))
            if opened < now:
                cases.append(
                    AfterSalesCase(
                        store=self.store,
                        case_id=f"AS{order.order_id}",
                        order=order,
                        kind="refund" if not order.shipped_at else rng.choice(["return", "refund"]),
                        status="closed",
                        amount=amount,
                        opened_at=opened,
                        reason=rng.choice(
                            ["不想要了", "尺寸不合适", "质量问题", "发货太慢", "与描述不符"]
                        ),
                        first_response_at=opened + timedelta(minutes=rng.uniform(1, 240)),
                        closed_at=opened + timedelta(days=rng.uniform(0.5, 4)),
                    )
                )
        if order.completed_at and order.status != "refunded" and rng.random() < 0.3:
            slow = late or transit > timedelta(days=4)
            rating = rng.choices(
                [5, 4, 3, 2, 1], [45, 25, 12, 9, 9] if slow else [74, 17, 5, 2, 2]
            )[0]

            def dsr(shift=0):
                return max(1, min(5, rating + rng.choice([0, 0, 0, 1, -1]) + shift))

            reviews.append(
                Review(
                    store=self.store,
                    review_id=f"RV{order.order_id}",
                    order=order,
                    sku=items[0][0],
                    created_at=order.completed_at,
                    rating=rating,
                    dsr_description=dsr(),
                    dsr_service=dsr(),
                    dsr_shipping=dsr(-1 if slow else 0),
                    content=rng.choice(REVIEW_TEXTS[rating]),
                )
            )

    # -- traffic and ads -----------------------------------------------------------------
    def traffic_and_ads(self):
        rng = self.rng
        gmv_by_day = defaultdict(Decimal)
        for order in self.paid_orders:
            gmv_by_day[order.paid_at.astimezone(self.zone).date()] += order.paid_amount
        facts, ads = [], []
        for day, stats in self.daily.items():
            buyers = stats["buyers"]
            shares = dict(SOURCES)
            if is_peak(day):
                shares = {**shares, "campaign": (0.3, 0.07), "natural_search": (0.3, 0.03)}
            weights = [s[0] * rng.uniform(0.85, 1.15) for s in shares.values()]
            split_buyers = _counts(buyers, weights)
            paid_buyers = 0
            for (source, (_share, cvr)), source_buyers in zip(
                shares.items(), split_buyers, strict=True
            ):
                visitors = max(source_buyers, round(source_buyers / (cvr * rng.uniform(0.9, 1.1))))
                clicks = round(visitors * rng.uniform(1.05, 1.25))
                facts.append(
                    TrafficFact(
                        store=self.store,
                        date=day,
                        source=source,
                        visitors=visitors,
                        impressions=round(clicks / rng.uniform(0.03, 0.06)),
                        page_views=round(visitors * rng.uniform(2.6, 3.8)),
                        clicks=clicks,
                        add_to_cart=round(visitors * rng.uniform(0.07, 0.11)),
                        favorites=round(visitors * rng.uniform(0.03, 0.05)),
                    )
                )
                if source == "paid":
                    paid_buyers = source_buyers
            active = [p for p in PLANS if p.active(day)]
            aov = gmv_by_day[day] / max(buyers, 1)
            weights = [p.daily for p in active]
            for plan, plan_orders in zip(active, _counts(paid_buyers, weights), strict=True):
                cost = d2(plan.daily * event_factor(day) ** 0.6 * rng.uniform(0.8, 1.2))
                clicks = max(1, round(float(cost) / (plan.cpc * rng.uniform(0.85, 1.15))))
                ads.append(
                    AdFact(
                        store=self.store,
                        date=day,
                        channel=plan.channel,
                        plan=plan.name,
                        impressions=round(clicks / (plan.ctr * rng.uniform(0.85, 1.15))),
                        clicks=clicks,
                        cost=cost,
                        orders=plan_orders,
                        gmv=d2(float(aov) * plan_orders * rng.uniform(0.9, 1.1)),
                    )
                )
        insert_objects(TrafficFact, self.store, facts)
        insert_objects(AdFact, self.store, ads)

    # -- stock ---------------------------------------------------------------------------
    def stock(self):
        rng = self.rng
        warehouses = [
            Warehouse(store=self.store, code="HZ01", name="杭州主仓"),
            Warehouse(store=self.store, code="GZ01", name="广州分仓"),
        ]
        insert_objects(Warehouse, self.store, warehouses)
        sold = defaultdict(int)
        recent = self.end - timedelta(days=30)
        for line in OrderLine.objects.filter(
            store=self.store, order__paid_at__date__gte=recent
        ).values_list("sku_id", "quantity"):
            sold[line[0]] += line[1]
        levels, moves = [], []
        at = datetime.combine(self.start, time(9), tzinfo=self.zone)
        for sku in self.skus:
            daily = sold[sku.pk] / 30
            for wh, share in zip(warehouses, (0.65, 0.35), strict=True):
                cover = rng.choice([3, 8, 25, 40, 45, 60, 90]) if daily else 30
                on_hand = max(0, round(daily * share * cover)) + rng.randint(0, 5)
                safety = max(2, round(daily * share * 7))
                levels.append(
                    StockLevel(
                        store=self.store,
                        sku=sku,
                        warehouse=wh,
                        on_hand=on_hand,
                        safety_stock=safety,
                        warning_stock=safety * 2,
                    )
                )
                moves.append(
                    StockMovement(
                        store=self.store,
                        sku=sku,
                        warehouse=wh,
                        at=at,
                        kind=MovementKind.RECEIPT,
                        quantity=on_hand,
                        on_hand_after=on_hand,
                        reason="期初库存",
                        reference="DEMO-OPENING",
                    )
                )
        insert_objects(StockLevel, self.store, levels)
        insert_objects(StockMovement, self.store, moves)


def _counts(total: int, weights: list[float]) -> list[int]:
    """Whole counts (buyers, orders) in proportion to the weights (`numbers.split`)."""
    return [int(part) for part in split(total, weights, unit=Decimal(1))]


def has_data(store) -> bool:
    return Order.objects.filter(store=store).exists()


def clear(store) -> None:
    """Remove the store's commerce data (not its settings, users or audit log)."""
    for model in (
        Review,
        AfterSalesCase,
        ShipmentEvent,
        Shipment,
        OrderLine,
        Order,
        StockMovement,
        StockLevel,
        Warehouse,
        TrafficFact,
        AdFact,
        Customer,
        Sku,
        Product,
        Supplier,
    ):
        model.objects.filter(store=store).delete()
    facts_changed(store.pk)


@transaction.atomic
def load(
    store,
    *,
    seed: int = 42,
    months: int = 12,
    end: date | None = None,
    target_orders: int = 60000,
    progress=print,
) -> dict:
    """Replace the store's data with a simulated history; returns what was made."""
    end = end or (datetime.now(store.zone).date() - timedelta(days=1))
    clear(store)
    gen = Generator(store, seed, months, end, target_orders)
    progress(f"catalog: {len(CATEGORIES)} categories …")
    gen.catalog()
    progress(f"orders {gen.start} … {gen.end} …")
    gen.orders()
    progress("traffic and ads …")
    gen.traffic_and_ads()
    progress("stock …")
    gen.stock()
    facts_changed(store.pk)
    return {
        "from": gen.start.isoformat(),
        "to": gen.end.isoformat(),
        "skus": len(gen.skus),
        "customers": len(gen.customers),
        "orders": sum(s["orders"] for s in gen.daily.values()),
        "paid_orders": len(gen.paid_orders),
    }
