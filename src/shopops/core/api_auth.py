"""Authentication and module permission for every API router.

A request is authenticated by its session (browser; CSRF checked on writes) or by a personal
token sent as `Authorization: Bearer <token>`; then the router's module permission is checked
with the same `can` the pages use.

A token request usually costs no statement: its user and permissions come from the shared
cache (core.token_cache), which drops them whenever tokens, users, roles or permissions
change, so a revoked token or a deactivated user is still refused on the very next request,
in every process. Otherwise it costs two: the token with its user, and the user's and their
role's (group's) permissions in one query, kept on the user object for the request as
Django's ModelBackend keeps them (`_perm_cache`).

Failed token authentications are counted per client address (settings.API_AUTH_FAILURE_*):
past the limit, token requests from that address get 429 with Retry-After until the window
ends, so tokens cannot be guessed at speed.
"""

import math
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from ninja.errors import HttpError, Throttled
from ninja.security.http import HttpBearer
from ninja.utils import check_csrf

from shopops.core import token_cache
from shopops.core.access import action_for_method, can


class AuthThrottled(Throttled):
    """Too many failed token authentications from this address; answered with 429 and
    Retry-After by the handler that `install_throttled_handler` puts on the API."""

    def __init__(self, wait: int):
        super().__init__(wait)
        self.message = (
            f"Too many failed authentications from your address; try again in {wait} seconds."
        )


def install_throttled_handler(api) -> None:
    """Answers AuthThrottled on `api` with its 429 and the Retry-After header."""

    def handler(request, exc: AuthThrottled):
        response = api.create_response(request, {"detail": str(exc)}, status=429)
        response["Retry-After"] = str(exc.wait)
        return response

    api.add_exception_handler(AuthThrottled, handler)


class AuthFailures:
    """A fixed window of failed authentications per client address, kept in the default
    cache (shared by the web processes; with the file cache two processes may each miss
    one increment under a race, which a limit of this kind can live with)."""

    prefix = "shopops:api-auth-failures:"

    @staticmethod
    def _key(request) -> str:
        return AuthFailures.prefix + (request.META.get("REMOTE_ADDR") or "unknown")

    @classmethod
    def wait(cls, request) -> int:
        """Seconds until this address may try again; 0 when it is not throttled."""
        count, started = cache.get(cls._key(request)) or (0, 0.0)
        left = started + settings.API_AUTH_FAILURE_WINDOW - time.time()
        if count < settings.API_AUTH_FAILURE_LIMIT or left <= 0:
            return 0
        return max(1, math.ceil(left))

    @classmethod
    def record(cls, request) -> None:
        key, now, window = cls._key(request), time.time(), settings.API_AUTH_FAILURE_WINDOW
        count, started = cache.get(key) or (0, 0.0)
        if started + window <= now:
            count, started = 0, now
        cache.set(key, (count + 1, started), timeout=math.ceil(started + window - now) + 1)


class ModuleAuth(HttpBearer):
    def __init__(self, module_key: str | None, action: str | None = None):
        super().__init__()
        self.module_key = module_key
        self.action = action

    def __call__(self, request):
        user = self._user(request)
        if user is None:
            return None  # ninja answers 401
        request.user = user
        if self.module_key is None:  # any signed-in user
            return user
        action = self.action or action_for_method(request.method)
        if not can(user, self.module_key, action):
            raise HttpError(403, f"Your role may not {action} {self.module_key}.")
        return user

    def authenticate(self, request, token):
        return token_cache.user_for_token(token)

    def _user(self, request):
        if request.headers.get(self.header):
            if wait := AuthFailures.wait(request):
                raise AuthThrottled(wait)
            user = super().__call__(request)
            if user is None:
                AuthFailures.record(request)
            return user
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed.")
        return user


def docs_access(view):
    """The schema and docs pages: for a Bearer token (code generators and API testers send
    no session), else for a signed-in session; anyone else is sent to sign in. A bad token
    gets 401 and counts towards the address's failed authentications, as on any endpoint."""
    from django.contrib.auth.decorators import login_required
    from django.http import JsonResponse

    signed_in = login_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.headers.get("Authorization"):
            return signed_in(request, *args, **kwargs)
        try:
            user = ModuleAuth(None)(request)
        except AuthThrottled as exc:
            response = JsonResponse({"detail": exc.message}, status=429)
            response["Retry-After"] = str(exc.wait)
            return response
        if user is None:
            return JsonResponse({"detail": "Unauthorized"}, status=401)
        return view(request, *args, **kwargs)

    return wrapper
