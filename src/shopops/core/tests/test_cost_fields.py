"""The customer-service role never receives cost or profit fields."""

from shopops.core.access import COST_FIELDS


def test_customer_service_api_has_no_cost_fields(as_role):
    stores = as_role("customer_service").get("/api/v1/stores").json()
    assert stores and all(not (COST_FIELDS & s.keys()) for s in stores)
    one = as_role("customer_service").get("/api/v1/stores/alpha").json()
    assert "commission_rate" not in one
    assert "0.05" not in str(one)


def test_roles_with_cost_permission_get_them(as_role):
    assert as_role("ops_lead").get("/api/v1/stores/alpha").json()["commission_rate"] == "0.0500"
    assert as_role("analyst").get("/api/v1/stores/alpha").json()["commission_rate"] == "0.0500"


def test_customer_service_pages_have_no_cost_fields(as_role):
    client = as_role("customer_service")
    for url in ("/", "/stores/", "/stores/alpha/"):
        html = client.get(url).content.decode()
        assert "0.0500" not in html and "commission-rate" not in html, url
