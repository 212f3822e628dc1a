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


def test_personal_data_is_masked_without_the_permission(role_users):
    from shopops.core.access import mask_name, mask_phone, personal

    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+8613812345678") == "+86*******5678"
    assert mask_phone("12345") == "*****"
    assert mask_name("张三丰") == "张**"
    assert personal("13812345678", role_users["customer_service"]) == "13812345678"
    assert personal("13812345678", role_users["analyst"]) == "138****5678"
    assert personal("张三丰", role_users["content_editor"], mask_name) == "张**"
