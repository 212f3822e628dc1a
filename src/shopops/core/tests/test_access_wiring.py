"""Access is enforced in one place: every page is marked, every API operation guarded."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from ninja.constants import NOT_SET

from shopops.api import api
from shopops.core.api_auth import ModuleAuth
from shopops.core.middleware import SELF_GUARDED_NAMESPACES


def _walk(patterns, namespaces=()):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, (*namespaces, p.namespace))
        elif isinstance(p, URLPattern):
            yield p, namespaces


def test_every_page_is_marked_with_its_access():
    unmarked = [
        str(p.pattern)
        for p, ns in _walk(get_resolver().url_patterns)
        if not (SELF_GUARDED_NAMESPACES & set(ns)) and not hasattr(p.callback, "shopops_access")
    ]
    assert unmarked == []


def test_every_api_operation_is_guarded_by_module_auth():
    unguarded = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                # An operation's own auth wins over its router's (ninja resolves it per call).
                auth = router.auth if op.auth_param is NOT_SET else op.auth_param
                auths = auth if isinstance(auth, list | tuple) else [auth]
                if not auths or not all(isinstance(a, ModuleAuth) for a in auths):
                    unguarded.append(f"{prefix}{path}")
    assert unguarded == []


def test_unmarked_view_is_refused(rf, django_user_model):
    from django.core.exceptions import PermissionDenied

    from shopops.core.middleware import ModuleAccessMiddleware

    request = rf.get("/somewhere")
    request.resolver_match = None
    request.user = django_user_model(username="x", is_superuser=True)
    with pytest.raises(PermissionDenied):
        ModuleAccessMiddleware(lambda r: None).process_view(request, lambda r: None, (), {})
