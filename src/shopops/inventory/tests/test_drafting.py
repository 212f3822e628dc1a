"""Drafting purchase orders by supplier: one service call, one transaction, the same drafts
from the replenishment page and from the API."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shopops.catalog.models import Product, Sku, Supplier
from shopops.core.models import AuditEntry
from shopops.inventory import drafting, purchasing
from shopops.inventory.models import PurchaseOrder, Warehouse

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def two_suppliers(store_a):
    """CUP and MUG from 义乌工厂 (S1), PLATE from 德化窑 (S2), SPOON from nobody."""
    s1 = Supplier.objects.create(store=store_a, code="S1", name="义乌工厂")
    s2 = Supplier.objects.create(store=store_a, code="S2", name="德化窑")
    by = {
        "CUP": s1,
        "MUG": s1,
        "PLATE": s2,
        "SPOON": None,
    }
    for code, supplier in by.items():
        product = Product.objects.create(store=store_a, spu=code, name=code, supplier=supplier)
        Sku.objects.create(
            store=store_a, product=product, code=code, price=Decimal("10"), cost=Decimal("4")
        )
    Warehouse.objects.create(store=store_a, code="HZ", name="杭州仓")
    return store_a


def _drafts(store) -> list[tuple]:
    """The drafts of a store as (supplier, warehouse, status, lines), independent of numbers."""
    return sorted(
        (
            po.supplier.code if po.supplier else "",
            po.warehouse.code,
            po.status,
            tuple(
                (line.sku.code, line.quantity, line.unit_cost)
                for line in po.lines.select_related("sku").order_by("sku__code")
            ),
        )
        for po in PurchaseOrder.objects.filter(store=store).select_related("supplier", "warehouse")
    )


def test_one_draft_per_supplier(two_suppliers):
    store = two_suppliers
    wh = Warehouse.objects.get(store=store)
    made = drafting.draft_by_supplier(
        None,
        store,
        warehouse=wh,
        lines=[("PLATE", 5), ("CUP", 3), ("SPOON", 7), ("MUG", 2), ("CUP", 1)],
    )
    # Suppliers in the order of their first SKU; CUP given twice is one line of 3 + 1.
    assert [po.supplier.code if po.supplier else None for po in made] == ["S2", "S1", None]
    assert _drafts(store) == [
        ("", "HZ", "draft", (("SPOON", 7, Decimal("4")),)),
        ("S1", "HZ", "draft", (("CUP", 4, Decimal("4")), ("MUG", 2, Decimal("4")))),
        ("S2", "HZ", "draft", (("PLATE", 5, Decimal("4")),)),
    ]


def test_a_failure_for_the_second_supplier_leaves_no_po_of_the_first(two_suppliers, monkeypatch):
    store = two_suppliers
    wh = Warehouse.objects.get(store=store)
    real_create = purchasing.create
    calls = []

    def second_fails(*args, **kwargs):
        calls.append(kwargs["supplier"])
        if len(calls) == 2:
            raise ValidationError({"lines": "the second supplier's draft is refused"})
        return real_create(*args, **kwargs)

    monkeypatch.setattr(purchasing, "create", second_fails)
    with pytest.raises(ValidationError, match="second supplier"):
        drafting.draft_by_supplier(None, store, warehouse=wh, lines=[("CUP", 3), ("PLATE", 5)])
    assert [s.code for s in calls] == ["S1", "S2"]  # the first draft was made, then undone
    assert not PurchaseOrder.objects.filter(store=store).exists()
    assert not AuditEntry.objects.filter(object_type="inventory.purchaseorder").exists()


def test_the_page_refuses_everything_when_one_supplier_fails(two_suppliers, as_role, monkeypatch):
    store = two_suppliers
    real_create = purchasing.create

    def plate_fails(*args, **kwargs):
        if kwargs["supplier"] and kwargs["supplier"].code == "S2":
            raise ValidationError({"lines": "德化窑 is closed"})
        return real_create(*args, **kwargs)

    monkeypatch.setattr(purchasing, "create", plate_fails)
    form = {"warehouse": "HZ", "sku": ["CUP", "PLATE"], "qty-CUP": "3", "qty-PLATE": "5"}
    answer = as_role("product_ops").post("/inventory/replenishment/", form, follow=True)
    assert answer.status_code == 200
    assert "德化窑 is closed" in answer.content.decode()
    assert not PurchaseOrder.objects.filter(store=store).exists()


def test_refused_lines(two_suppliers):
    store = two_suppliers
    wh = Warehouse.objects.get(store=store)
    for lines, field in (
        ([], "lines"),
        ([("CUP", 1), ("NOPE", 1)], "sku"),
        ([("CUP", 0)], "quantity"),
        ([("CUP", drafting.MAX_UNITS), ("CUP", 1)], "quantity"),
    ):
        with pytest.raises(ValidationError) as refused:
            drafting.draft_by_supplier(None, store, warehouse=wh, lines=lines)
        assert field in refused.value.message_dict
    assert not PurchaseOrder.objects.exists()


def test_the_api_drafts_the_same_pos_as_the_page(two_suppliers, as_role):
    store = two_suppliers
    buyer = as_role("product_ops")
    form = {
        "warehouse": "HZ",
        "sku": ["PLATE", "CUP", "SPOON", "MUG", "LUMPY"],
        "qty-PLATE": "5",
        "qty-CUP": "3",
        "qty-SPOON": "7",
        "qty-MUG": "2",
        "qty-LUMPY": "",  # ticked without a quantity: left out, as before
    }
    page = buyer.post("/inventory/replenishment/", form)
    assert page.status_code == 302 and page.url.endswith("/inventory/purchase-orders/")
    from_page = _drafts(store)
    assert len(from_page) == 3
    PurchaseOrder.objects.all().delete()

    body = {
        "store": "alpha",
        "warehouse": "HZ",
        "lines": [
            {"sku": "PLATE", "quantity": 5},
            {"sku": "CUP", "quantity": 3},
            {"sku": "SPOON", "quantity": 7},
            {"sku": "MUG", "quantity": 2},
        ],
    }
    url = "/api/v1/inventory/purchase-orders/drafts"
    answer = buyer.post(url, json.dumps(body), content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert [po["supplier"] for po in answer.json()] == ["S2", "S1", None]
    assert answer.json()[0]["lines"][0]["unit_cost"] == "4.0000"
    assert _drafts(store) == from_page

    # The permission of the page (inventory: change), and all or none over the API too.
    analyst = as_role("analyst")
    assert analyst.post(url, json.dumps(body), content_type="application/json").status_code == 403
    assert analyst.post("/inventory/replenishment/", form).status_code == 403
    bad = {**body, "lines": [*body["lines"], {"sku": "NOPE", "quantity": 1}]}
    refused = buyer.post(url, json.dumps(bad), content_type="application/json")
    assert refused.status_code == 422 and "NOPE" in refused.json()["detail"]
    assert len(_drafts(store)) == 3  # the three of the first call, nothing more
    clerk = as_role("warehouse")  # may change inventory, may not see costs
    made = clerk.post(url, json.dumps(body), content_type="application/json").json()
    assert "unit_cost" not in made[0]["lines"][0]
