"""The demo: one store, an administrator and one user per role."""

import secrets
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from shopops.core import services
from shopops.core.models import Store, User
from shopops.core.roles import ROLES

DEMO_STORE = {
    "code": "demo",
    "name": "示例旗舰店",
    "platform": "tmall",
    "currency": "CNY",
    "timezone": "Asia/Shanghai",
    "commission_rate": Decimal("0.05"),
}


def _password() -> str:
    return secrets.token_urlsafe(9)


@transaction.atomic
def prepare() -> list[tuple[str, str, str]]:
    """Create what is missing; every run gives every demo account a fresh password."""
    store = Store.objects.filter(code=DEMO_STORE["code"]).first()
    if store is None:
        store = services.create_store(None, via="demo", **DEMO_STORE)
    accounts = [("admin", _("Administrator"), None)] + [(r.key, r.label, r.key) for r in ROLES]
    out = []
    for username, label, role in accounts:
        password = _password()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.create_user(
                username=username,
                password=password,
                role=role,
                stores=[store],
                superuser=role is None,
            )
        else:
            user.set_password(password)
            user.is_active = True
            user.save()
            if role:
                services.set_role(user, role)
            services.grant_stores(user, [store])
        out.append((username, password, str(label)))
    return out


def format_credentials(credentials, url: str) -> str:
    lines = [f"ShopOps demo: {url}", "", f"{'username':<18}{'password':<16}role"]
    lines += [f"{u:<18}{p:<16}{label}" for u, p, label in credentials]
    lines.append("")
    lines.append("(passwords are new on every `./shopops demo` run)")
    return "\n".join(lines)


def demo_store() -> Store:
    return Store.objects.get(code=DEMO_STORE["code"])
