"""Every role against every module, pages and API: the whole matrix, written out by hand.

The table below is the specification (SPEC.md, roles); it is deliberately not derived from
shopops.core.roles, so a change there that breaks a role's access fails here.
"""

import pytest
from django.urls import reverse

from shopops.core.modules import MODULES

# - no access, v view, c view + change
MATRIX = """
module           ops_lead product_ops user_ops campaign_planner content_editor customer_service analyst warehouse
dashboard        c        v           v        v                v              v                v       v
imports          c        c           c        -                -              -                v       -
metrics          c        v           v        v                -              -                v       -
goals            c        v           v        v                -              -                v       -
plans            c        c           c        c                c              c                v       c
daily_report     c        c           c        c                -              -                v       -
alerts           c        v           v        v                -              -                v       v
products         c        c           -        v                c              -                v       v
inventory        c        c           -        v                -              -                v       c
orders           c        v           v        -                -              v                v       c
members          c        -           c        v                -              v                v       -
campaigns        c        v           v        c                v              -                v       -
service          c        -           v        -                -              c                v       -
profit           c        v           -        v                -              -                v       -
competitors      c        c           -        v                v              -                v       -
stores           c        v           v        v                v              v                v       v
audit            c        -           -        -                -              -                -       -
"""


def _parse():
    lines = [line.split() for line in MATRIX.strip().splitlines()]
    roles = lines[0][1:]
    return roles, {row[0]: dict(zip(roles, row[1:], strict=True)) for row in lines[1:]}


ROLE_KEYS, EXPECTED = _parse()
CELLS = [(role, module) for module in EXPECTED for role in ROLE_KEYS]


# The matrix only reads: its stores and users are made once for the module.
@pytest.fixture
def as_role(as_role_once):
    return as_role_once


@pytest.fixture
def store_a(module_roles, db):
    return module_roles[0]


def test_matrix_covers_every_module_and_role():
    from shopops.core.roles import ROLES

    assert set(EXPECTED) == {m.key for m in MODULES}
    assert set(ROLE_KEYS) == {r.key for r in ROLES}


@pytest.mark.parametrize(("role", "module_key"), CELLS)
def test_page_access(as_role, role, module_key):
    module = next(m for m in MODULES if m.key == module_key)
    response = as_role(role).get(reverse(module.url_name))
    expected = EXPECTED[module_key][role]
    assert response.status_code == (403 if expected == "-" else 200), (role, module_key)


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_api_reports_the_same_matrix(as_role, role):
    body = as_role(role).get("/api/v1/me").json()
    got = {m["key"]: ("c" if m["can_change"] else "v") for m in body["modules"]}
    want = {k: row[role] for k, row in EXPECTED.items() if row[role] != "-"}
    assert got == want


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_store_change_through_page_and_api(as_role, store_a, role):
    client = as_role(role)
    allowed = EXPECTED["stores"][role] == "c"
    page = client.get(reverse("core:store_edit", args=[store_a.code]))
    assert page.status_code == (200 if allowed else 403)
    api = client.patch(
        f"/api/v1/stores/{store_a.code}", {"name": "Renamed"}, content_type="application/json"
    )
    assert api.status_code == (200 if allowed else 403)


@pytest.mark.parametrize("role", ROLE_KEYS)
def test_audit_api_only_for_ops_lead(as_role, role):
    response = as_role(role).get("/api/v1/audit")
    assert response.status_code == (200 if EXPECTED["audit"][role] != "-" else 403)


def test_anonymous_is_sent_to_login_and_api_says_401(client, store_a):
    for module in MODULES:
        response = client.get(reverse(module.url_name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert client.get("/api/v1/stores").status_code == 401
