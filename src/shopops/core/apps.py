from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shopops.core"
    label = "core"
    verbose_name = _("Core: stores, users and roles")

    def ready(self):
        from shopops.core import token_cache
        from shopops.core.roles import sync_roles_after_migrate

        token_cache.connect()

        # Groups need the permissions that Django itself creates in post_migrate.
        post_migrate.connect(sync_roles_after_migrate, sender=self)
