"""A fresh install has no store: signing in and opening any page must still work."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from shopops.core import services
from shopops.core.models import Store
from shopops.core.modules import MODULES
from shopops.core.roles import ROLES

pytestmark = pytest.mark.postgres

PASSWORD = "Fresh-install-2026!"


@pytest.fixture
def fresh_admin(db):
    assert not Store.objects.exists()
    services.create_user(username="admin", password=PASSWORD, superuser=True)
    client = Client()
    signed = client.post("/login/", {"username": "admin", "password": PASSWORD})
    assert signed.status_code == 302, signed.content.decode()[:500]
    return client, signed


def test_sign_in_with_no_store_lands_on_the_empty_dashboard(fresh_admin):
    client, signed = fresh_admin
    home = client.get(signed.url)
    assert home.status_code == 200
    html = home.content.decode()
    assert "还没有店铺" in html and "./shopops store add" in html


@pytest.mark.parametrize("module", MODULES, ids=[m.key for m in MODULES])
def test_every_sidebar_page_opens_with_no_store(fresh_admin, module):
    client, _signed = fresh_admin
    response = client.get(reverse(module.url_name))
    assert response.status_code == 200, response.content.decode()[:2000]


def test_pages_about_a_store_say_how_to_add_one(fresh_admin):
    client, _signed = fresh_admin
    for name in ("orders:queue", "inventory:levels", "planning:goals", "monitoring:daily"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        html = response.content.decode()
        assert 'id="no-store"' in html, name
        assert "./shopops store add" in html and reverse("core:store_create") in html, name


def test_a_user_without_a_store_is_told_to_ask_for_one(db):
    user = services.create_user(username="amy", password=PASSWORD, role="warehouse")
    client = Client()
    client.force_login(user)
    html = client.get(reverse("orders:queue")).content.decode()
    assert 'id="no-store"' in html
    assert "请联系运营负责人或管理员为你授权店铺" in html


def _pages(patterns, namespaces=()):
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace in {"admin", "api-1"}:
                continue
            yield from _pages(p.url_patterns, (*namespaces, p.namespace))
        elif isinstance(p, URLPattern) and p.name and not p.pattern.regex.groups:
            yield ":".join([*(n for n in namespaces if n), p.name])


def test_no_page_without_arguments_fails_with_no_store(fresh_admin):
    client, _signed = fresh_admin
    failed = {}
    for name in sorted(set(_pages(get_resolver().url_patterns))):
        if name in {"logout", "set_language"}:
            continue
        response = client.get(reverse(name))
        if response.status_code >= 500:
            failed[name] = response.status_code
    assert failed == {}


def _api_get_paths():
    from shopops.api import api

    schema = api.get_openapi_schema()
    return sorted(p for p, ops in schema["paths"].items() if "get" in ops and "{" not in p)


@pytest.mark.parametrize("role", [r.key for r in ROLES] + ["superuser"])
def test_every_page_and_endpoint_answers_each_role_on_an_empty_database(db, role):
    assert not Store.objects.exists()
    if role == "superuser":
        user = services.create_user(username="root", password=PASSWORD, superuser=True)
    else:
        user = services.create_user(username=role, password=PASSWORD, role=role)
    client = Client()
    client.force_login(user)
    failed = {}
    for name in sorted(set(_pages(get_resolver().url_patterns))):
        if name in {"logout", "set_language"}:
            continue
        response = client.get(reverse(name))
        if response.status_code >= 500:
            failed[name] = response.status_code
    paths = _api_get_paths()
    assert "/api/v1/stores" in paths and len(paths) > 5
    for path in paths:
        response = client.get(path)
        if response.status_code >= 500:
            failed[path] = response.status_code
    assert failed == {}


def test_first_sign_in_shows_the_setup_steps(fresh_admin):
    client, signed = fresh_admin
    html = client.get(signed.url).content.decode()
    assert 'id="first-run"' in html
    for step in ("store", "team", "import"):
        assert f'data-step="{step}"' in html
    assert reverse("core:store_create") in html and reverse("core:user_list") in html
    assert "./shopops demo" in html


def test_someone_without_a_store_is_told_whom_to_ask(db):
    services.create_user(username="lead-li", password=PASSWORD, role="ops_lead")
    services.create_user(username="root", password=PASSWORD, superuser=True)
    amy = services.create_user(username="amy", password=PASSWORD, role="analyst")
    client = Client()
    client.force_login(amy)
    html = client.get("/").content.decode()
    assert 'id="no-store"' in html and "lead-li, root" in html
    assert 'id="first-run"' not in html


def test_a_store_without_data_says_to_import(db):
    store = services.create_store(None, code="new", name="新店", platform="tmall")
    lead = services.create_user(username="li", password=PASSWORD, role="ops_lead", stores=[store])
    client = Client()
    client.force_login(lead)
    html = client.get("/").content.decode()
    assert 'id="first-data"' in html and reverse("ingest:page") in html
