"""/api/v1/campaigns: plan, price a cart, the guard without costs for a role that must not
see them, launch refused with the flagged SKUs (409), then accepted; scoping by store."""

import json
from datetime import datetime, timedelta

import pytest

from shopops.catalog.models import Product, Sku

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_campaigns_api(as_role, store_a, store_b):
    product = Product.objects.create(store=store_a, spu="P1", name="保温杯")
    Sku.objects.create(store=store_a, product=product, code="CUP", price="129.00", cost="100")
    planner = as_role("campaign_planner")
    # The main phase in the future (the review is refused until it has started).
    today = datetime.now(store_a.zone).date()
    start, end = (today + timedelta(days=n) for n in (16, 18))
    made = post(planner, "/api/v1/campaigns?store=alpha", {
        "name": "年货节", "kind": "store",
        "phases": {"main": {"start": start.isoformat(), "end": end.isoformat()}},
    })  # fmt: skip
    assert made.status_code == 201, made.content
    cid = made.json()["id"]
    base = f"/api/v1/campaigns/{cid}"
    assert (
        post(
            planner, f"{base}/skus?store=alpha", {"sku": "CUP", "campaign_price": "119"}
        ).status_code
        == 200
    )
    bad = post(planner, f"{base}/rules?store=alpha",
               {"kind": "coupon", "params": {"amount": "10", "threshold": "5"}})  # fmt: skip
    assert bad.status_code == 422 and "amount: more than its threshold" in json.dumps(bad.json())
    rule = {"kind": "full_reduction", "name": "满200减20",
            "params": {"tiers": [{"threshold": "200", "off": "20"}]}}  # fmt: skip
    assert post(planner, f"{base}/rules?store=alpha", rule).status_code == 201
    priced = post(planner, f"{base}/price?store=alpha", {"lines": [{"sku": "CUP", "quantity": 2}]})
    assert priced.json()["total"] == "218.00"
    assert sum(float(x["amount"]) for x in priced.json()["lines"]) == 218.0
    # The guard: the content editor sees pass/fail only.
    editor_rows = as_role("content_editor").get(f"{base}/guard?store=alpha").json()
    assert editor_rows[0]["ok"] is False and "cost" not in editor_rows[0]
    lead_rows = as_role("ops_lead").get(f"{base}/guard?store=alpha").json()
    assert lead_rows[0]["cost"] == "100.0000"
    refused = post(planner, f"{base}/launch?store=alpha", {})
    assert refused.status_code == 409 and refused.json()["flagged"][0]["sku"] == "CUP"
    assert (
        post(as_role("content_editor"), f"{base}/launch?store=alpha", {"accept": True}).status_code
        == 403
    )
    launched = post(planner, f"{base}/launch?store=alpha", {"accept": True})
    assert launched.status_code == 200 and launched.json()["status"] == "launched"
    assert launched.json()["accepted_exceptions"][0]["sku"] == "CUP"
    assert planner.get(f"{base}/review?store=alpha").status_code == 409  # not started
    assert planner.get(f"{base}?store=beta").status_code == 404
    assert [c["name"] for c in planner.get("/api/v1/campaigns?store=alpha").json()] == ["年货节"]
