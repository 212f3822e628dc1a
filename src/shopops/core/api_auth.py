"""Authentication and module permission for every API router.

A request is authenticated by its session (browser; CSRF checked on writes) or by a personal
token sent as `Authorization: Bearer <token>`; then the router's module permission is checked
with the same `can` the pages use.
"""

from ninja.errors import HttpError
from ninja.security.http import HttpBearer
from ninja.utils import check_csrf

from shopops.core.access import action_for_method, can
from shopops.core.services import user_for_token


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
        return user_for_token(token)

    def _user(self, request):
        if request.headers.get(self.header):
            return super().__call__(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed.")
        return user
