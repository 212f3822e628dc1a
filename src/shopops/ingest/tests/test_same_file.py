"""A file imported whole before is answered without being read again only while nothing
stored can have changed since (`ingest.same_file`); every other case reads it row by row,
and both answers are the same. Transactional tests: the record is kept only by an import
in a transaction of its own, as the CLI, the worker and the API run it."""

import os

import pytest
from django.db import transaction

from shopops.analytics.cache import facts_changed
from shopops.customers.models import Customer
from shopops.ingest.models import ImportedFile
from shopops.ingest.pipeline import run_import
from shopops.orders import services
from shopops.orders.models import Order, OrderLine

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORDERS = (
    "order_id,customer_id,province,created_at,paid_at,paid_amount\n"
    "A1,c1,浙江省,2024-06-18 10:00:00,2024-06-18 10:05:00,100.00\n"
    "A2,c2,广东省,2024-06-18 11:00:00,2024-06-18 11:05:00,30.00\n"
)
LINES = (
    "order_id,sku,product_name,quantity,unit_price\n"
    "A1,S1,Tea,1,60.00\n"
    "A1,S2,Cup,2,20.00\n"
    "A2,S1,Tea,1,30.00\n"
)


def counts(result) -> tuple:
    return result.rows, result.inserted, result.updated, result.unchanged, result.rejected


def stored_rows() -> list:
    orders = list(
        Order.objects.order_by("order_id").values_list("order_id", "status", "paid_amount")
    )
    lines = list(
        OrderLine.objects.order_by("order__order_id", "line_no").values_list(
            "order__order_id", "line_no", "sku_code", "allocated_amount"
        )
    )
    return orders + lines


@pytest.fixture
def files(write):
    return write("orders.csv", ORDERS), write("order_lines.csv", LINES)


def test_the_same_files_again_are_answered_at_once_as_a_reread_answers_them(shop, files):
    orders, lines = files
    assert counts(run_import(store=shop, kind="orders", path=orders)) == (2, 2, 0, 0, 0)
    assert counts(run_import(store=shop, kind="order_lines", path=lines)) == (3, 3, 0, 0, 0)
    before = stored_rows()

    # The lines import wrote none of the orders file's tables: its record still holds.
    again = run_import(store=shop, kind="orders", path=orders)
    again_lines = run_import(store=shop, kind="order_lines", path=lines)
    assert again.same_as and again_lines.same_as
    assert "the same file as the import of" in again.summary()
    reread = run_import(store=shop, kind="orders", path=orders, reread=True)
    reread_lines = run_import(store=shop, kind="order_lines", path=lines, reread=True)
    assert reread.same_as is None and reread_lines.same_as is None
    assert counts(again) == counts(reread) == (2, 0, 0, 2, 0)
    assert counts(again_lines) == counts(reread_lines) == (3, 0, 0, 3, 0)
    assert stored_rows() == before


def test_a_write_since_makes_the_file_read_again_and_the_write_undone(shop, files):
    orders, lines = files
    run_import(store=shop, kind="orders", path=orders)
    run_import(store=shop, kind="order_lines", path=lines)
    order = Order.objects.get(store=shop, order_id="A2")
    services.cancel(None, order, reason="test")  # raises the facts version, as every writer
    assert Order.objects.get(pk=order.pk).status == "cancelled"

    again = run_import(store=shop, kind="orders", path=orders)
    assert again.same_as is None
    assert counts(again) == (2, 0, 1, 1, 0)
    assert Order.objects.get(pk=order.pk).status == "paid"
    # That re-import changed the orders, so the lines file is read again too.
    assert run_import(store=shop, kind="order_lines", path=lines).same_as is None


def test_an_orders_import_that_changes_paid_amounts_makes_the_lines_file_read_again(
    shop, files, write
):
    orders, lines = files
    run_import(store=shop, kind="orders", path=orders)
    run_import(store=shop, kind="order_lines", path=lines)
    changed = write("orders2.csv", ORDERS.replace("100.00", "90.00"))
    assert counts(run_import(store=shop, kind="orders", path=changed)) == (2, 0, 1, 1, 0)

    again = run_import(store=shop, kind="order_lines", path=lines)
    assert again.same_as is None
    shares = dict(
        OrderLine.objects.filter(order__order_id="A1").values_list("line_no", "allocated_amount")
    )
    assert sum(shares.values()) == 90


def test_other_bytes_or_other_settings_are_read_again(shop, files, write):
    orders, _ = files
    run_import(store=shop, kind="orders", path=orders)
    other = write("other.csv", ORDERS + "A3,c3,,2024-06-18 12:00:00,,0\n")
    assert counts(run_import(store=shop, kind="orders", path=other)) == (3, 1, 0, 2, 0)
    assert run_import(store=shop, kind="orders", path=other).same_as
    shop.timezone = "UTC"
    shop.save()
    zoned = run_import(store=shop, kind="orders", path=other)
    assert zoned.same_as is None  # the same bytes read in another zone are other instants
    assert zoned.updated == 3


def test_a_writer_committing_while_the_file_is_read_leaves_no_record_that_holds(shop, files):
    orders, _ = files
    raised = []

    def progress(rows, done, total):
        if not raised:  # reading, before the import's transaction: another writer commits
            facts_changed(shop.pk)
            raised.append(True)

    run_import(store=shop, kind="orders", path=orders, progress=progress)
    assert raised
    assert run_import(store=shop, kind="orders", path=orders).same_as is None
    # That full re-import found every row unchanged, with nobody writing: it holds now.
    assert run_import(store=shop, kind="orders", path=orders).same_as


def test_no_record_inside_a_callers_transaction_or_with_rejects_or_dry_run(shop, files, write):
    orders, _ = files
    with transaction.atomic():
        run_import(store=shop, kind="orders", path=orders)
    run_import(store=shop, kind="orders", path=orders, dry_run=True)
    bad = write("bad.csv", ORDERS + "A3,c3,,2024-06-18 12:00:00,,abc\n")
    result = run_import(store=shop, kind="orders", path=bad, skip_invalid=True)
    assert result.rejected == 1
    assert not ImportedFile.objects.exists()
    assert run_import(store=shop, kind="orders", path=orders).same_as is None


def test_stale_records_are_dropped(shop, files, write):
    orders, lines = files
    run_import(store=shop, kind="orders", path=orders)
    run_import(store=shop, kind="order_lines", path=lines)
    run_import(store=shop, kind="orders", path=write("o2.csv", ORDERS.replace("30.00", "31.00")))
    run_import(store=shop, kind="orders", path=orders)
    # The records behind the version the last import began at are gone, and of those
    # left only the last one holds.
    assert not ImportedFile.objects.filter(kind="order_lines").exists()
    assert ImportedFile.objects.count() == 2
    assert run_import(store=shop, kind="orders", path=orders).same_as


def test_a_buyer_written_back_by_another_file_makes_the_file_read_again(shop, write):
    first = write("f1.csv", ORDERS)
    second = write(
        "f2.csv",
        "order_id,customer_id,province,created_at,paid_at,paid_amount\n"
        "B1,c1,四川省,2024-06-19 10:00:00,2024-06-19 10:05:00,10.00\n",
    )
    run_import(store=shop, kind="orders", path=first)
    run_import(store=shop, kind="orders", path=second)  # c1 now in 四川省
    again = run_import(store=shop, kind="orders", path=first)  # only c1 changes, back
    assert again.same_as is None and (again.inserted, again.updated) == (0, 0)
    assert Customer.objects.get(store=shop, platform_id="c1").province == "浙江省"
    # That import wrote a buyer: the second file's record no longer holds.
    assert run_import(store=shop, kind="orders", path=second).same_as is None
    assert Customer.objects.get(store=shop, platform_id="c1").province == "四川省"


def test_no_answer_from_a_record_inside_a_callers_transaction(shop, files):
    orders, _ = files
    run_import(store=shop, kind="orders", path=orders)
    with transaction.atomic():
        Order.objects.filter(store=shop, order_id="A1").update(channel="taken here")
        assert run_import(store=shop, kind="orders", path=orders).updated == 1


def test_a_file_changed_while_it_is_read_keeps_no_record(shop, files):
    orders, _ = files

    def progress(rows, done, total):
        os.utime(orders, ns=(1, 1))  # written anew meanwhile, as far as anyone can tell

    run_import(store=shop, kind="orders", path=orders, progress=progress)
    assert not ImportedFile.objects.exists()


def test_an_orders_file_with_its_lines_is_not_moved_past_a_lines_import(shop, files):
    orders, lines = files
    run_import(store=shop, kind="orders", path=orders)
    ImportedFile.objects.update(lines_too=True)  # as a Shopify file's record
    run_import(store=shop, kind="order_lines", path=lines)
    assert run_import(store=shop, kind="orders", path=orders).same_as is None
