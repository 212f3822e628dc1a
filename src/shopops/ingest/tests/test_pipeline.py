from datetime import date
from decimal import Decimal

import pytest

from shopops.catalog.models import Sku
from shopops.core.models import AuditEntry
from shopops.ingest.errors import ImportFailed
from shopops.ingest.pipeline import run_import
from shopops.inventory.models import StockLevel, StockMovement
from shopops.marketing.models import AdFact, TrafficFact
from shopops.orders.models import Order, OrderLine

pytestmark = pytest.mark.postgres

ORDERS = (
    "order_id,paid_amount,created_at,paid_at,customer_id,refunded_amount,province\r\n"
    "A1,99.50,2024-06-18 23:50:00,2024-06-18 23:59:00,c1,0,浙江省\r\n"
    "A2,20.00,2024-06-18 23:58:00,2024-06-19 00:01:00,,,\r\n"
    "A3,0,2024-06-19 10:00:00,,c1,,\r\n"
)


def test_orders_import_is_idempotent_and_keeps_local_days(shop, write):
    path = write("orders.csv", ORDERS)
    first = run_import(store=shop, kind="orders", path=path)
    assert (first.inserted, first.updated, first.unchanged, first.rejected) == (3, 0, 0, 0)
    again = run_import(store=shop, kind="orders", path=path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert "0 inserted, 0 updated, 3 unchanged" in again.summary()
    a1 = Order.objects.get(order_id="A1")
    # 23:59 in Shanghai is 15:59 UTC, and its local day stays 2024-06-18.
    assert a1.paid_at.isoformat() == "2024-06-18T15:59:00+00:00"
    assert a1.paid_at.astimezone(shop.zone).date() == date(2024, 6, 18)
    assert Order.objects.get(order_id="A2").paid_at.astimezone(shop.zone).date() == date(
        2024, 6, 19
    )
    a3 = Order.objects.get(order_id="A3")
    assert (a3.paid_at, a3.status) == (None, "pending_payment")
    assert a1.customer == a3.customer and Order.objects.get(order_id="A2").customer is None


def test_changed_rows_are_updated_and_audited(shop, write):
    run_import(store=shop, kind="orders", path=write("o.csv", ORDERS))
    changed = ORDERS.replace("A1,99.50", "A1,89.50").replace(",c1,0,", ",c1,10.00,")
    result = run_import(store=shop, kind="orders", path=write("o2.csv", changed))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 2)
    a1 = Order.objects.get(order_id="A1")
    assert (a1.paid_amount, a1.refunded_amount) == (Decimal("89.50"), Decimal("10.00"))
    assert AuditEntry.objects.filter(action="import", store=shop).count() == 2


def test_times_with_a_zone_are_honoured(shop, write):
    text = (
        "order_id,paid_amount,created_at,paid_at\n"
        "Z1,1,2024-06-18T10:00:00+02:00,2024-06-18 10:00:00 -0500\n"
    )
    run_import(store=shop, kind="orders", path=write("z.csv", text))
    order = Order.objects.get(order_id="Z1")
    assert order.created_at.isoformat() == "2024-06-18T08:00:00+00:00"
    assert order.paid_at.isoformat() == "2024-06-18T15:00:00+00:00"


def big_orders(n: int, bad_at: int | None = None) -> str:
    lines = ["order_id,paid_amount,created_at,paid_at"]
    for i in range(n):
        amount = "abc" if i == bad_at else f"{i % 500}.{i % 100:02d}"
        lines.append(f"O{i},{amount},2024-03-01 10:00:00,2024-03-01 10:05:00")
    return "\n".join(lines) + "\n"


def test_one_bad_row_in_a_big_file_writes_nothing(shop, write):
    run_import(store=shop, kind="orders", path=write("seed.csv", ORDERS))
    before = list(Order.objects.order_by("pk").values())
    path = write("big.csv", big_orders(7000, bad_at=5000))
    with pytest.raises(ImportFailed) as err:
        run_import(store=shop, kind="orders", path=path)
    assert err.value.message == "big.csv, line 5002, column paid_amount: 'abc' is not a number"
    assert list(Order.objects.order_by("pk").values()) == before


def test_skip_invalid_imports_the_rest_and_writes_rejects(shop, write, tmp_path):
    path = write("big.csv", big_orders(3000, bad_at=1500))
    rejects = tmp_path / "rejects.csv"
    result = run_import(
        store=shop, kind="orders", path=path, skip_invalid=True, rejects_path=rejects
    )
    assert (result.inserted, result.rejected) == (2999, 1)
    assert Order.objects.filter(store=shop).count() == 2999
    text = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert text[0] == "line,column,reason,order_id,paid_amount,created_at,paid_at"
    assert text[1].startswith("1502,paid_amount,'abc' is not a number,O1500,abc,")


def test_dry_run_writes_nothing(shop, write):
    result = run_import(store=shop, kind="orders", path=write("o.csv", ORDERS), dry_run=True)
    assert result.inserted == 3 and "dry run" in result.summary()
    assert not Order.objects.exists()


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16"])
def test_taobao_report_in_any_encoding(shop, write, encoding):
    text = (
        "订单编号 , 买家会员名,总金额,买家实际支付金额,收货地址 ,"
        "订单创建时间,订单付款时间 ,退款金额\r\n"
        '="2851234567890123",小明,178.80,178.80,浙江省 杭州市 西湖区 文三路1号,'
        "2024-11-11 00:00:01,2024-11-11 00:00:05,0.00\r\n"
    )
    run_import(store=shop, kind="orders", path=write("订单报表.csv", text, encoding), fmt="taobao")
    order = Order.objects.get()
    assert order.order_id == "2851234567890123"  # Excel guard unwrapped, no rounding
    assert (order.province, order.city, order.paid_amount) == (
        "浙江省",
        "杭州市",
        Decimal("178.80"),
    )
    assert order.receiver_address == "浙江省 杭州市 西湖区 文三路1号"
    assert order.customer.platform_id == "小明"


def test_taobao_lines_report(shop, write):
    run_import(
        store=shop,
        kind="orders",
        fmt="taobao",
        path=write(
            "o.csv",
            (
                "订单编号,买家实际支付金额,订单创建时间,订单付款时间\n"
                "T1,100.00,2024-11-11 00:00:01,2024-11-11 00:00:05\n"
            ),
        ),
    )
    result = run_import(
        store=shop,
        kind="order_lines",
        fmt="taobao",
        path=write(
            "l.csv",
            ("订单编号,标题,价格,购买数量,商家编码\nT1,保温杯,30.00,2,CUP-1\nT1,杯套,50.00,1,\n"),
        ),
    )
    assert result.inserted == 2
    lines = list(OrderLine.objects.order_by("line_no"))
    assert [(x.sku_code, x.line_amount, x.allocated_amount) for x in lines] == [
        ("CUP-1", Decimal("60.00"), Decimal("54.55")),
        ("杯套", Decimal("50.00"), Decimal("45.45")),
    ]


def test_file_level_errors_are_clear(shop, write):
    with pytest.raises(ImportFailed, match=r"x.csv: line 1: missing required column\(s\): paid_at"):
        run_import(
            store=shop, kind="orders", path=write("x.csv", "order_id,paid_amount,created_at\n")
        )
    with pytest.raises(ImportFailed, match=r"unknown column\(s\) paid_amout"):
        run_import(
            store=shop,
            kind="orders",
            path=write("y.csv", "order_id,paid_amount,created_at,paid_at,paid_amout\n"),
        )
    with pytest.raises(ImportFailed, match="empty"):
        run_import(store=shop, kind="orders", path=write("e.csv", ""))
    with pytest.raises(ImportFailed, match=r"line 3, column order_id: duplicate of line 2"):
        run_import(
            store=shop,
            kind="orders",
            path=write(
                "d.csv",
                (
                    "order_id,paid_amount,created_at,paid_at\n"
                    "D1,1,2024-01-01 10:00,2024-01-01 10:00\n"
                    "D1,2,2024-01-01 10:00,2024-01-01 10:00\n"
                ),
            ),
        )
    with pytest.raises(ImportFailed, match=r"line 2, column paid_at: is empty but paid_amount"):
        run_import(
            store=shop,
            kind="orders",
            path=write(
                "u.csv", ("order_id,paid_amount,created_at,paid_at\nU1,5,2024-01-01 10:00,\n")
            ),
        )
    with pytest.raises(ImportFailed, match=r"line 2: has 3 fields but the header has 4"):
        run_import(
            store=shop,
            kind="orders",
            path=write(
                "w.csv", ("order_id,paid_amount,created_at,paid_at\nW1,5,2024-01-01 10:00\n")
            ),
        )
    assert not Order.objects.exists()


def test_products_stock_traffic_and_ads(shop, write):
    products = run_import(
        store=shop,
        kind="products",
        path=write(
            "p.csv",
            (
                "sku,product_name,price,spu,category,cost,role\n"
                "CUP-1,保温杯 500ml,59.00,CUP,杯具,21.5000,引流款\n"
                "CUP-2,保温杯 750ml 礼盒,79.00,CUP-GIFT,杯具,26.0000,profit\n"
            ),
        ),
    )
    assert products.inserted == 2
    assert Sku.objects.get(code="CUP-1").product.role == "traffic"
    assert Sku.objects.get(code="CUP-2").product.role == "profit"
    stock = write(
        "s.csv",
        "sku,warehouse,on_hand,safety_stock,warning_stock\nCUP-1,HZ,100,10,30\nCUP-2,HZ,5,,\n",
    )
    run_import(store=shop, kind="stock", path=stock)
    run_import(
        store=shop, kind="stock", path=write("s2.csv", "sku,warehouse,on_hand\nCUP-1,HZ,80\n")
    )
    level = StockLevel.objects.get(sku__code="CUP-1")
    moves = StockMovement.objects.filter(sku__code="CUP-1").order_by("pk")
    assert (level.on_hand, level.safety_stock) == (80, 10)
    assert [m.quantity for m in moves] == [100, -20]
    assert sum(m.quantity for m in moves) == level.on_hand
    with pytest.raises(ImportFailed, match="SKU NOPE is not in this store"):
        run_import(
            store=shop, kind="stock", path=write("s3.csv", "sku,warehouse,on_hand\nNOPE,HZ,1\n")
        )
    traffic = run_import(
        store=shop,
        kind="traffic",
        path=write(
            "t.csv",
            (
                "date,source,visitors,impressions,clicks\n"
                "2024-06-18,自然搜索,1200,50000,3000\n2024-06-18,直通车,300,9000,400\n"
            ),
        ),
    )
    assert traffic.inserted == 2
    assert set(TrafficFact.objects.values_list("source", flat=True)) == {"natural_search", "paid"}
    ads = run_import(
        store=shop,
        kind="ads",
        path=write(
            "a.csv",
            (
                "date,channel,plan,impressions,clicks,cost,orders,gmv\n"
                "2024-06-18,直通车,春季上新,9000,400,320.50,12,1899.00\n"
            ),
        ),
    )
    assert ads.inserted == 1 and AdFact.objects.get().cost == Decimal("320.50")


def test_mapping_format_with_xlsx(shop, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["单号", "实付", "下单时间", "付款时间"])
    sheet.append(["M1", "1.234,50", "18/06/2024 20:00", "18/06/2024 20:01"])
    path = tmp_path / "erp.xlsx"
    book.save(path)
    mapping = {
        "columns": {
            "单号": "order_id",
            "实付": "paid_amount",
            "下单时间": "created_at",
            "付款时间": "paid_at",
        },
        "datetime_format": "%d/%m/%Y %H:%M",
        "decimal_comma": True,
        "time_zone": "Europe/Berlin",
    }
    result = run_import(store=shop, kind="orders", path=path, fmt="mapping", mapping=mapping)
    assert result.inserted == 1
    order = Order.objects.get(order_id="M1")
    assert order.paid_amount == Decimal("1234.50")
    assert order.paid_at.isoformat() == "2024-06-18T18:01:00+00:00"
    with pytest.raises(ImportFailed, match="unknown orders field"):
        run_import(
            store=shop,
            kind="orders",
            path=path,
            fmt="mapping",
            mapping={"columns": {"单号": "order_no"}},
        )


def test_skip_invalid_after_a_rolled_back_batch_keeps_everything_consistent(shop, write):
    run_import(
        store=shop,
        kind="products",
        path=write("p.csv", ("sku,product_name,price\nA,杯子,10.00\nB,盘子,12.00\n")),
    )
    result = run_import(
        store=shop,
        kind="stock",
        skip_invalid=True,
        path=write("s.csv", ("sku,warehouse,on_hand\nA,NEW-WH,5\nGHOST,NEW-WH,1\nB,NEW-WH,7\n")),
    )
    assert (result.inserted, result.rejected) == (2, 1)
    assert result.rejects[0].line == 3 and "GHOST" in result.rejects[0].reason
    levels = {lv.sku.code: lv.on_hand for lv in StockLevel.objects.filter(store=shop)}
    assert levels == {"A": 5, "B": 7}
    for level in StockLevel.objects.filter(store=shop):
        moved = StockMovement.objects.filter(sku=level.sku, warehouse=level.warehouse)
        assert sum(m.quantity for m in moved) == level.on_hand


def test_second_import_into_a_store_with_data_updates_by_key(shop, write):
    first = "order_id,paid_amount,created_at,paid_at,customer_id,province\n" + "".join(
        f"K{i},{i}.00,2024-01-01 10:00,2024-01-01 10:01,c{i % 7},浙江省\n" for i in range(1, 5000)
    )
    run_import(store=shop, kind="orders", path=write("a.csv", first))
    second = (
        first.replace("K4999,4999.00", "K4999,1.00")
        + "K5000,5.00,2024-01-02 10:00,2024-01-02 10:01,c1,浙江省\n"
    )
    result = run_import(store=shop, kind="orders", path=write("b.csv", second))
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 4998)
    assert Order.objects.get(order_id="K4999").paid_amount == Decimal("1.00")
    assert Order.objects.filter(store=shop).values("customer").distinct().count() == 7
