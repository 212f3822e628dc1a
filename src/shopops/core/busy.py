"""The embedded database's one writer at a time, said plainly instead of a 500.

SQLite lets one transaction write at a time; a write that still finds the lock taken after
the busy timeout (settings: 30 s, spent waiting, which is the brief retry) raises
"database is locked". That is a moment's wait, not a fault: pages and the API answer 503
with Retry-After and a sentence saying an import or another write is being saved.
"""

from django.db import OperationalError
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

RETRY_AFTER = 5  # seconds


def is_busy(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def message() -> str:
    return _(
        "Another write, such as an import, is being saved. Nothing was changed; "
        "try again in a moment."
    )


def api_response(request=None) -> JsonResponse:
    response = JsonResponse({"detail": message()}, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def page_response(request):
    response = TemplateResponse(
        request, "core/busy.html", {"message": message()}, status=503
    ).render()
    response["Retry-After"] = str(RETRY_AFTER)
    return response


class DatabaseBusyMiddleware:
    """A page or API call that meets the write lock past its wait gets 503, not 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if not is_busy(exc):
            return None
        if request.path.startswith("/api/"):
            return api_response(request)
        return page_response(request)


def install_busy_handler(api) -> None:
    """The API's own handler: django-ninja answers exceptions before middleware sees them."""

    def handler(request, exc):
        if is_busy(exc):
            return api_response(request)
        raise exc

    api.add_exception_handler(OperationalError, handler)
