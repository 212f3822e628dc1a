"""Issue 11, smaller points: the stores PATCH refuses what is not a change, and
`./shopops user add` checks the password against the user being created."""

import json

import pytest

from shopops.core.models import AuditEntry

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("[null,null]", "object"),
        ("[]", "object"),
        ('"Alpha"', "object"),
        ("5", "object"),
        ('{"nmae": "Typo"}', "nmae"),
        ('{"name": "Alpha", "code": "zeta"}', "code"),
    ],
)
def test_store_patch_that_is_not_an_object_of_fields_is_422(as_role, store_a, body, named):
    response = as_role("ops_lead").patch(
        "/api/v1/stores/alpha", body, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert named in json.dumps(response.json())
    store_a.refresh_from_db()
    assert (store_a.code, store_a.name) == ("alpha", "Alpha 旗舰店")
    assert not AuditEntry.objects.filter(action="update").exists()


def test_store_patch_of_fields_still_works(as_role, store_a):
    client = as_role("ops_lead")
    ok = client.patch("/api/v1/stores/alpha", {"name": "新名"}, content_type="application/json")
    assert ok.status_code == 200
    assert ok.json()["name"] == "新名"
    # An empty object changes nothing and says so with the store as it is.
    same = client.patch("/api/v1/stores/alpha", {}, content_type="application/json")
    assert same.status_code == 200 and same.json()["name"] == "新名"


def test_user_add_refuses_a_password_like_the_username(cli):
    refused = cli("user", "add", "zhangwei2026", "--role", "analyst", "--password", "zhangwei2026")
    assert refused.returncode != 0
    assert "The password is too similar to the username." in refused.stderr
    assert "Traceback" not in refused.stderr
    assert json.loads(cli("user", "list", "--format", "json").stdout) == []
    # Like the e-mail address too.
    by_mail = cli(
        "user",
        "add",
        "wz",
        "--role",
        "analyst",
        "--email",
        "wei.zhang2026@example.com",
        "--password",
        "wei.zhang2026",
    )
    assert by_mail.returncode != 0
    assert "too similar to the email address" in by_mail.stderr
    # A sound password for the same user is accepted.
    ok = cli("user", "add", "zhangwei2026", "--role", "analyst", "--password", "Qx7-tide-lantern")
    assert ok.returncode == 0, ok.stderr
    users = json.loads(cli("user", "list", "--format", "json").stdout)
    assert [u["username"] for u in users] == ["zhangwei2026"]
