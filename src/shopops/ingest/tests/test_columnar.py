"""The column-wise path (`ingest.columnar`) stores exactly what the general path stores.

Each file is imported into two stores, once by each path (the general one by switching the
column-wise one off), and everything the import leaves is compared: the result (counts,
every reject's line, column, reason and row, or the failure's message) and every stored
row of orders, order lines and customers, as the database holds it (raw SQL: on SQLite the
storage class too), with the foreign keys spelled by their natural keys.
"""

import random
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from shopops.catalog.models import Product, Sku
from shopops.core import services
from shopops.core.numbers import split, split_cents
from shopops.ingest import columnar, pipeline
from shopops.ingest.errors import ImportFailed
from shopops.ingest.pipeline import run_import
from shopops.orders.models import Order, OrderLine

pytestmark = pytest.mark.postgres

ORDERS_HEAD = "order_id,paid_amount,created_at,paid_at,customer_id,province,refunded_amount,status"
ORDER_ROWS = [
    "A1,99.50,2024-06-18 23:50:00,2024-06-18 23:59:00,c1,浙江省,0,",
    "A2,20,2024-06-18T23:58:00,2024-06-19 00:01:00,,,,",
    "A3,0,2024-06-19 10:00:00,,c1,,,",
    "A4,1.5,2024/06/19 10:00,2024/06/19 10:01,c2,广东省,0.5,PAID",  # slashes: general parser
    "A5,0.001,2024-06-19 10:00:00,2024-06-19 10:01:00,c2,,,",  # sub-cent: refused
    "A6, 12.30 ,\u30002024-06-19 10:00:00\u3000,2024-06-19 10:01:00+08:00,c3,\u3000上海 ,,shipped",
    "A7,abc,2024-06-19 10:00:00,2024-06-19 10:01:00,,,,",  # not a number
    "A8,10.00,2024-06-19 10:00:00,,,,,",  # paid_amount but no paid_at
    "A9,10.00,2024-06-19 10:00:00,2024-06-19 10:01:00,,,11.00,",  # refund over paid
    "A1,5.00,2024-06-19 10:00:00,2024-06-19 10:01:00,,,,",  # duplicate of line 2
    "A10,5.00,2024-02-30 10:00:00,2024-06-19 10:01:00,,,,",  # no such day
    "A11,5.00,2024-06-19 24:00:00,2024-06-19 10:01:00,,,,",
    "A12,5.00,1999-12-31 10:00:00,2024-06-19 10:01:00,,,,",  # before 2000
    "A13,5.00,2099-01-01 10:00:00,2024-06-19 10:01:00,,,,",  # in the future
    "A14,5.00,2024-06-19 10:00:00,2024-06-19 10:01:00,c1,江苏省,,unknown",  # bad status
    "A15,5.00,2024-06-19 10:00:00,2024-06-19 10:01:00,c1,,,",  # c1 again, no province
    "A16,1234567890123.00,2024-06-19 10:00:00,2024-06-19 10:01:00,,,,",  # too large
    "A17,7,2024-06-19 10:00:00,2024-06-19 10:01:00,c4,北京,0.00,",
    "A18,7",  # too few fields
    "A19,7,2024-06-19 10:00:00,2024-06-19 10:01:00,c4,北京,0,paid,extra",
    ",7,2024-06-19 10:00:00,2024-06-19 10:01:00,,,,",  # empty order id
    "A20,-1,2024-06-19 10:00:00,2024-06-19 10:01:00,,,,",  # negative
    "A21,1e2,2024-06-19 10:00:00,2024-06-19 10:01:00,,,,",
    "A22,007.10,2024-06-19 10:00:00Z,2024-06-19 10:01:00,c5,,,cancelled",
    "A23,8.00,2024-06-19 10:00:00,2024-06-19 10:01:00,c2,四川省,,",
    " , ,",  # blank once stripped: skipped
    "",
    "A24,8.00,2024-06-19 10:00:00,2024-06-19 10:01:00.5,c2,,,",  # fraction of a second
]


def orders_text(rows=ORDER_ROWS, crlf=False) -> str:
    end = "\r\n" if crlf else "\n"
    return end.join([ORDERS_HEAD, *rows]) + end


def snapshot(store) -> dict:
    """Every row the import leaves for the store, as the database holds it."""
    sqlite = connection.vendor == "sqlite"

    def rows(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql, [store.pk])
            names = [c[0] for c in cursor.description]
            out = []
            for row in cursor.fetchall():
                item = dict(zip(names, row, strict=True))
                if sqlite:  # the storage class, not only the value
                    item = {k: (v, type(v).__name__) for k, v in item.items()}
                out.append(item)
            return out

    order_columns = [
        f.column for f in Order._meta.concrete_fields if f.column not in ("id", "store_id")
    ]
    line_columns = [
        f.column
        for f in OrderLine._meta.concrete_fields
        if f.column not in ("id", "store_id", "order_id", "sku_id")
    ]
    return {
        "customers": rows(
            "SELECT platform_id, name, phone, email, province, city, address"
            " FROM customers_customer WHERE store_id = %s ORDER BY platform_id"
        ),
        "orders": rows(
            "SELECT "  # noqa: S608 (column names of the model)
            + ", ".join(f"o.{c}" for c in order_columns if c != "customer_id")
            + ", c.platform_id AS buyer FROM orders_order o"
            " LEFT JOIN customers_customer c ON c.id = o.customer_id"
            " WHERE o.store_id = %s ORDER BY o.order_id"
        ),
        "lines": rows(
            "SELECT o.order_id AS order_ref, s.code AS sku_ref, "  # noqa: S608
            + ", ".join(f"l.{c}" for c in line_columns)
            + " FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id"
            " LEFT JOIN catalog_sku s ON s.id = l.sku_id"
            " WHERE l.store_id = %s ORDER BY o.order_id, l.line_no"
        ),
    }


def outcome(store, kind, path, **options) -> dict:
    try:
        result = run_import(store=store, kind=kind, path=path, **options)
    except ImportFailed as exc:
        return {"failed": (exc.message, exc.line, exc.column)}
    data = result.as_dict()
    data.pop("seconds")
    data["rejects"] = [(r.line, r.column, r.reason, r.row) for r in result.rejects]
    return data


class Spy:
    def __init__(self, monkeypatch):
        self.blocks = 0
        real = columnar.Plan.block

        def block(plan, lines):
            self.blocks += 1
            return real(plan, lines)

        monkeypatch.setattr(columnar.Plan, "block", block)


@pytest.fixture
def both(db, monkeypatch):
    """Run the same imports in a store per path; returns a function that compares."""
    spy = Spy(monkeypatch)
    counter = iter(range(1000))

    def make_store(zone):
        n = next(counter)
        return services.create_store(
            None, code=f"s{n}", name=f"Store {n}", platform="tmall", timezone=zone
        )

    def compare(steps, zone="Asia/Shanghai", catalog=(), expect_fast=True):
        stores = {}
        outcomes = {}
        for way in ("columnar", "general"):
            store = stores[way] = make_store(zone)
            for code, name, cost in catalog:
                product = Product.objects.create(store=store, spu=code, name=name)
                Sku.objects.create(
                    store=store, product=product, code=code, name=name, price=1, cost=cost
                )
            with monkeypatch.context() as m:
                if way == "general":
                    m.setattr(columnar, "applies", lambda *a: False)
                before = spy.blocks
                outcomes[way] = [outcome(store, kind, path, **o) for kind, path, o in steps]
                used = spy.blocks > before
            assert used == (way == "columnar" and expect_fast), way
        assert outcomes["columnar"] == outcomes["general"]
        assert snapshot(stores["columnar"]) == snapshot(stores["general"])
        return outcomes["general"], stores["general"]

    return compare


@pytest.fixture(params=[3, 2000], ids=["batch3", "batch2000"])
def batch(request, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH", request.param)
    return request.param


def test_orders_with_bad_rows_are_imported_alike(both, write, batch):
    path = write("orders.csv", orders_text())
    (result,), _ = both([("orders", path, {"skip_invalid": True})])
    assert result["inserted"] >= 8 and result["rejected"] >= 15
    # Without skip_invalid the first bad row stops both alike.
    both([("orders", path, {})])


def test_crlf_and_bom(both, write, batch):
    text = orders_text(crlf=True)
    path = write("orders.csv", "\ufeff" + text, encoding="utf-8")
    both([("orders", path, {"skip_invalid": True})])


def test_reimport_and_changes(both, write, batch):
    first = write("o1.csv", orders_text())
    changed = [
        r.replace("A1,99.50", "A1,89.50").replace(",c4,北京,", ",c4,天津,") for r in ORDER_ROWS
    ]
    changed.append("A30,3.00,2024-06-19 10:00:00,2024-06-19 10:02:00,c9,,,")
    second = write("o2.csv", orders_text(changed))
    results, _ = both(
        [
            ("orders", first, {"skip_invalid": True}),
            ("orders", first, {"skip_invalid": True}),
            ("orders", second, {"skip_invalid": True}),
            ("orders", second, {"skip_invalid": True, "dry_run": True}),
        ]
    )
    assert results[1]["unchanged"] == results[0]["inserted"] and results[1]["inserted"] == 0
    assert results[2]["updated"] >= 1 and results[2]["inserted"] == 1


def test_decimal_comma(both, write, batch):
    rows = [
        'D1,"1.234,50",2024-06-18 10:00:00,2024-06-18 10:01:00,,,,',
        "D2,12,2024-06-18 10:00:00,2024-06-18 10:01:00,,,,",
        "D3,12.5,2024-06-18 10:00:00,2024-06-18 10:01:00,,,,",
    ]
    quoted = write("q.csv", orders_text(rows))  # quotes: the general path reads this one
    both(
        [("orders", quoted, {"skip_invalid": True, "mapping": {"decimal_comma": True}})],
        expect_fast=False,
    )
    plain = write("p.csv", orders_text([*rows[1:], "D4,12,5,2024-06-18 10:00:00"]))
    both([("orders", plain, {"skip_invalid": True, "mapping": {"decimal_comma": True}})])


@pytest.mark.parametrize(
    "zone", ["America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"]
)
def test_daylight_saving_changes(both, write, zone):
    rng = random.Random(zone)
    rows = []
    for i in range(600):
        day = rng.choice(["2024-03-10", "2024-11-03", "2024-04-07", "2024-10-06", "2024-06-01"])
        stamp = f"{day} {rng.randint(0, 4):02d}:{rng.choice([0, 15, 29, 30, 45, 59]):02d}:00"
        rows.append(f"T{i},1.00,{stamp},{stamp},,,,")
    path = write("t.csv", orders_text(rows))
    both([("orders", path, {"skip_invalid": True})], zone=zone)


LINES_HEAD = "order_id,sku,quantity,unit_price,product_name,category,line_amount,unit_cost"


def lines_text(rows) -> str:
    return "\n".join([LINES_HEAD, *rows]) + "\n"


def test_order_lines_alike(both, write, batch):
    orders = write(
        "o.csv",
        orders_text(
            [
                "L1,100.00,2024-06-18 10:00:00,2024-06-18 10:01:00,c1,,,",
                "L2,0.10,2024-06-18 10:00:00,2024-06-18 10:01:00,c1,,,",
                "L3,0,2024-06-18 10:00:00,,c2,,,",
                "L4,33.33,2024-06-18 10:00:00,2024-06-18 10:01:00,,,,",
            ]
        ),
    )
    lines = write(
        "l.csv",
        lines_text(
            [
                "L1,S1,1,10.00,,,,",
                "L1,S2,2,5.00051,,,,",  # five decimals: refused
                "L1,S3,3,3.33,名,类,,1.2345",
                "L2,S1,1,1,,,,",
                "L1,S9,7,0.0015,,,,",  # L1 again, after L2; 0.0105 rounds half-up to 0.01
                "L9,S1,1,1.00,,,,",  # no such order: refused when written
                "L3,S1,2,0,,,,",
                "L3,S2,0,1,,,,",  # quantity 0
                "L4,S1,1,1,,,10.00,",
                "L4,S2,1,1,,,0,",
                "L4,S3,1,1,,,20.00,",
                "L4,S1,x,1,,,,",
                "L2,S2,1,1,商品,,,",
                "L9,S2,1,1.00,,,,",
            ]
        ),
    )
    catalog = [("S1", "一号", Decimal("1.5")), ("S2", "二号", None)]
    results, store = both(
        [
            ("orders", orders, {}),
            ("order_lines", lines, {"skip_invalid": True}),
            ("order_lines", lines, {"skip_invalid": True}),
        ],
        catalog=catalog,
    )
    assert results[1]["rejected"] == 5 and results[2]["unchanged"] == results[1]["inserted"]
    for order in Order.objects.filter(store=store).prefetch_related("lines"):
        shares = [line.allocated_amount for line in order.lines.all()]
        if shares:
            assert sum(shares) == order.paid_amount
    both([("orders", orders, {}), ("order_lines", lines, {})], catalog=catalog)


def test_lines_again_after_the_orders_paid_amounts_changed(both, write, batch):
    """The same lines imported again after their orders' paid amounts changed: no line is
    counted as changed, but every share is split again from the new amounts."""
    rows = [f"P{i},{i}9.99,2024-06-18 10:00:00,2024-06-18 10:01:00,,,," for i in range(5)]
    orders = write("o.csv", orders_text(rows))
    repaid = write("o2.csv", orders_text([r.replace("9.99,", "5.01,", 1) for r in rows]))
    lines = write(
        "l.csv", lines_text([f"P{i},S{j},{j},3.{i}{j},,,," for i in range(5) for j in (1, 2, 3)])
    )
    results, store = both(
        [
            ("orders", orders, {}),
            ("order_lines", lines, {}),
            ("orders", repaid, {}),
            ("order_lines", lines, {}),
        ]
    )
    assert results[2]["updated"] == 5
    assert results[3]["unchanged"] == 15 and results[3]["updated"] == 0
    for order in Order.objects.filter(store=store).prefetch_related("lines"):
        assert str(order.paid_amount).endswith("5.01")
        assert sum(line.allocated_amount for line in order.lines.all()) == order.paid_amount


def test_order_lines_with_stored_lines_beyond_the_file(both, write, batch):
    orders = write(
        "o.csv",
        orders_text(
            [f"M{i},{i}7.31,2024-06-18 10:00:00,2024-06-18 10:01:00,,,," for i in range(9)]
        ),
    )
    three = write(
        "l3.csv", lines_text([f"M{i},S{j},{j},1.{i}{j},,,," for i in range(9) for j in (1, 2, 3)])
    )
    two = write(
        "l2.csv", lines_text([f"M{i},S{j},{j},2.{i}{j},,,," for i in range(9) for j in (1, 2)])
    )
    both([("orders", orders, {}), ("order_lines", three, {}), ("order_lines", two, {})])


def test_generated_export_alike(both, write, tmp_path, batch):
    from shopops.devtools.bench_import import generate

    orders, lines, _ = generate(tmp_path, 3000, seed=7)
    both(
        [
            ("orders", orders, {}),
            ("order_lines", lines, {}),
            ("orders", orders, {}),
            ("order_lines", lines, {}),
        ]
    )


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=10**10), min_size=1, max_size=7),
)
def test_split_cents_is_core_split(total, weights):
    cents = split_cents(total, weights)
    exact = split(Decimal(total) / 100, [Decimal(w) / 100 for w in weights])
    assert [Decimal(c) / 100 for c in cents] == exact
    assert [f"{c // 100}.{c % 100:02d}" for c in cents] == [str(d) for d in exact]


def test_space_is_what_strip_strips():
    spaces = "".join(c for c in map(chr, range(0x110000)) if c.isspace())
    assert spaces == columnar.SPACE


def test_decimal_and_count_texts_as_the_general_parser(db):
    import pyarrow as pa

    from shopops.ingest.values import to_decimal

    texts = ["0", "0.0", "00", "007.5", "12", "12.30", "999999999999.99", "1.01", "5.1"]
    cells = pa.array(texts)
    checked = columnar._decimal(cells, [False] * len(texts), columnar._MONEY, 14, 2)
    assert list(checked.ok) == [True] * len(texts)
    assert checked.value.to_pylist() == [str(to_decimal(t, "x")) for t in texts]


@pytest.mark.parametrize(
    "name, data, fast",
    [
        ("lone-cr", orders_text().replace("\nA3,", "\rA3,").encode(), False),
        ("nul", orders_text().replace("A7,abc", "A7,a\x00bc").encode(), False),
        ("gbk", orders_text().encode("gb18030"), False),
        ("bad-utf8", orders_text().encode() + b"A99,1,2024-06-19 10:00:00,\xff\xfe,,,,\n", False),
        ("long-cell", orders_text([*ORDER_ROWS, "A98," + "9" * 40000 + ",x,,,,,"]).encode(), True),
        ("no-final-newline", orders_text().rstrip("\n").encode(), True),
    ],
)
def test_files_it_declines_or_reads_alike(both, tmp_path, name, data, fast):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(data)
    both([("orders", path, {"skip_invalid": True})], expect_fast=fast)
    both([("orders", path, {})], expect_fast=fast)
