"""What a fresh install shows instead of a dashboard: the steps to a first store, its team
and its first data, or, for someone who may not add a store, who can grant them one."""

from django.urls import reverse
from django.utils.translation import gettext as _

from shopops.core.access import can, can_manage_users


def first_run(user) -> dict:
    """{"steps": [...]} for a user who may add stores, else {"ask": names of the people
    who can grant one}."""
    if not can(user, "stores", "change"):
        return {"ask": _granters()}
    steps = [
        {
            "key": "store",
            "title": _("Create your first store"),
            "text": _("Its platform, currency and time zone: every number is computed in it."),
            "url": reverse("core:store_create"),
            "action": _("New store"),
        },
    ]
    if can_manage_users(user):
        steps.append(
            {
                "key": "team",
                "title": _("Add your team"),
                "text": _("Give each person a role and the stores they work on."),
                "url": reverse("core:user_list"),
                "action": _("Users"),
            }
        )
    steps.append(
        {
            "key": "import",
            "title": _("Import your first data"),
            "text": _(
                "An order report (Tmall/Taobao 订单报表, Shopify orders export or our CSV "
                "template), then products, stock and traffic when you have them."
            ),
            "url": "",
            "action": "",
        }
    )
    return {"steps": steps, "demo": "./shopops demo"}


def _granters() -> list[str]:
    """Usernames of the active people who can grant stores (administrators and managers),
    so that the message names someone to ask."""
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    from shopops.core.models import User
    from shopops.core.roles import MANAGE_USERS

    perm = Permission.objects.filter(codename=MANAGE_USERS, content_type__app_label="core")
    people = User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(user_permissions__in=perm) | Q(groups__permissions__in=perm)
    )
    return sorted(set(people.values_list("username", flat=True)))[:5]


def store_has_data(store) -> bool:
    from shopops.marketing.models import TrafficFact
    from shopops.orders.models import Order

    return (
        Order.objects.filter(store=store).exists()
        or TrafficFact.objects.filter(store=store).exists()
    )
