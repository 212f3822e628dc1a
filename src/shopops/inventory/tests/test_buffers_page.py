"""Channel safety buffers are set and removed on a page; available-to-sell follows."""

from decimal import Decimal

import pytest

from shopops.catalog.models import Product, Sku
from shopops.core.models import AuditEntry
from shopops.inventory import queries
from shopops.inventory import services as stock
from shopops.inventory.models import ChannelBuffer, Warehouse

pytestmark = pytest.mark.postgres


@pytest.fixture
def cup(store_a):
    product = Product.objects.create(store=store_a, spu="P", name="杯")
    sku = Sku.objects.create(store=store_a, product=product, code="CUP", price=Decimal("9"))
    hz = Warehouse.objects.create(store=store_a, code="HZ", name="杭州仓")
    stock.receive(None, store_a, sku, hz, 10, reason="opening")
    return sku


def test_set_change_and_remove_a_buffer(as_role, store_a, cup):
    lead = as_role("ops_lead")
    answer = lead.post("/inventory/buffers/", {"action": "set", "channel": "douyin", "units": "3"})
    assert answer.status_code == 302
    lead.post(
        "/inventory/buffers/", {"action": "set", "channel": "douyin", "sku": "CUP", "units": "4"}
    )
    (row,) = queries.available_to_sell(store_a, "douyin", ["CUP"])
    assert row["available_to_sell"] == 6  # the SKU's own buffer wins over the channel's
    page = lead.get("/inventory/buffers/").content.decode()
    assert page.count('data-channel="douyin"') == 2
    refused = lead.post(
        "/inventory/buffers/", {"action": "set", "channel": "x", "sku": "NOPE", "units": "1"}
    )
    assert refused.status_code == 200 and "invalid-feedback" in refused.content.decode()
    one = ChannelBuffer.objects.get(store=store_a, sku=cup)
    assert (
        lead.post("/inventory/buffers/", {"action": "remove", "buffer": one.pk}).status_code == 302
    )
    assert ChannelBuffer.objects.filter(store=store_a).count() == 1
    actions = list(
        AuditEntry.objects.filter(object_type="inventory.channelbuffer")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "create", "delete"]


def test_a_viewer_sees_but_may_not_change(as_role, store_a, cup):
    viewer = as_role("analyst")
    page = viewer.get("/inventory/buffers/")
    if page.status_code == 200:
        assert 'id="buffer-form"' not in page.content.decode()
    assert viewer.post(
        "/inventory/buffers/", {"action": "set", "channel": "a", "units": "1"}
    ).status_code in (302, 403)
    assert not ChannelBuffer.objects.exists()
