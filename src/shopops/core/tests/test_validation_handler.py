"""Issue 12, point 6: one ValidationError → 422 handler on the NinjaAPI (core.validation).
A service raises django's ValidationError and every operation answers the same shape:
`errors` by field path, `detail` the same as a sentence; a query parameter that does not
fit keeps django-ninja's list in `detail`."""

import json

import pytest
from django.core.exceptions import ValidationError

from shopops.core.validation import field_errors, message, path, request_errors, sentence

pytestmark = pytest.mark.django_db

GOAL = {
    "store": "alpha",
    "name": "Q3 GMV",
    "metric": "gmv",
    "target": "90000",
    "start": "2026-07-01",
    "end": "2026-09-30",
}


def _post(client, url, body, method="post"):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def _field_refusal(answer) -> dict:
    assert answer.status_code == 422, answer.content[:500]
    body = answer.json()
    assert set(body) == {"detail", "errors"}, body
    assert isinstance(body["errors"], dict) and body["errors"]
    assert body["detail"] == sentence(body["errors"])
    return body["errors"]


# --- the rules ------------------------------------------------------------------------


def test_paths_name_fields_as_the_client_wrote_them():
    assert path(("lines", 0, "sku")) == "lines[0].sku"
    assert path(("shipping_address", "phone")) == "shipping_address.phone"
    assert path(("events", 2, "at")) == "events[2].at"
    assert path(()) == "__all__"
    errors = [
        {"type": "int_type", "loc": ["body", "payload", "lines", 1, "quantity"], "msg": "int!"},
        {"type": "string_type", "loc": ["body", "payload", "lines", 1, "quantity"], "msg": "s"},
        {"type": "greater_than_equal", "loc": ["query", "limit"], "msg": "≥ 1"},
        {"type": "json_type", "loc": ["body", "payload"], "msg": "An object."},
    ]
    assert request_errors(errors) == {
        "lines[1].quantity": "int! s",
        "limit": "≥ 1",
        "__all__": "An object.",
    }


def test_a_validation_error_is_told_the_same_in_the_api_and_the_cli():
    by_field = ValidationError({"code": ["Taken.", "Too long."], "name": "Required."})
    assert field_errors(by_field) == {"code": "Taken. Too long.", "name": "Required."}
    assert message(by_field) == "code: Taken. Too long.; name: Required."
    whole = ValidationError("The period ends before it starts.")
    assert field_errors(whole) == {"__all__": "The period ends before it starts."}
    assert message(whole) == "The period ends before it starts."


# --- through the API ------------------------------------------------------------------


def test_service_validation_errors_answer_one_shape_in_every_operation(as_role, store_a):
    lead = as_role("ops_lead")
    # core.services.create_store (the model's own check of the zone) …
    store = {"code": "gamma", "name": "Gamma", "platform": "jd", "timezone": "Mars/Olympus"}
    stores = _field_refusal(_post(lead, "/api/v1/stores", store))
    assert list(stores) == ["timezone"]
    # … core.services.update_store …
    patched = _field_refusal(
        _post(lead, "/api/v1/stores/alpha", {"timezone": "Mars/Olympus"}, "patch")
    )
    assert patched == stores
    # … and planning.goals.create_goal answer alike.
    goals = _field_refusal(_post(lead, "/api/v1/goals", {**GOAL, "metric": "gvm"}))
    assert list(goals) == ["metric"] and "unknown metric" in goals["metric"]


def test_a_body_the_schema_refuses_is_told_by_path_too(as_role, store_a):
    lead = as_role("ops_lead")
    errors = _field_refusal(_post(lead, "/api/v1/stores/alpha", {"code": "zeta"}, "patch"))
    assert list(errors) == ["code"]
    errors = _field_refusal(_post(lead, "/api/v1/goals", {**GOAL, "target": "lots"}))
    assert list(errors) == ["target"]
    missing = {k: v for k, v in GOAL.items() if k != "name"}
    assert list(_field_refusal(_post(lead, "/api/v1/goals", missing))) == ["name"]


def test_a_query_parameter_keeps_django_ninjas_list_with_errors_by_name(as_role, store_a):
    answer = as_role("ops_lead").get("/api/v1/audit?limit=0")
    assert answer.status_code == 422
    body = answer.json()
    assert [e["loc"] for e in body["detail"]] == [["query", "limit"]]
    assert list(body["errors"]) == ["limit"]


def test_every_operation_declares_the_one_422_schema():
    from shopops.api import api

    schema = json.loads(json.dumps(api.get_openapi_schema()))  # as clients read it
    refusal = schema["components"]["schemas"]["ValidationErrorOut"]
    assert set(refusal["properties"]) == {"detail", "errors"}
    errors = refusal["properties"]["errors"]["anyOf"][0]
    assert errors == {"type": "object", "additionalProperties": {"type": "string"}}
    operations = [
        (route, method, operation)
        for route, item in schema["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) > 20
    for route, method, operation in operations:
        declared = operation["responses"]["422"]["content"]["application/json"]["schema"]
        assert declared == {"$ref": "#/components/schemas/ValidationErrorOut"}, (route, method)
