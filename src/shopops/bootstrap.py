"""Starting Django outside a web server: the CLI, the benches and the isolated import child
all call this, so none of them has to import another entry point to get it."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopops.settings")


def activate_language() -> None:
    from django.utils import translation

    translation.activate(os.environ.get("SHOPOPS_CLI_LANG", "zh-hans"))


def ensure_migrated() -> None:
    """Apply pending migrations; costs one plan check when there are none."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils.translation import gettext as _

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        print(_("shopops: applying database migrations …"), file=sys.stderr, flush=True)
        call_command("migrate", interactive=False, verbosity=0)


def setup_django(migrate: bool = False) -> None:
    import django

    django.setup()
    activate_language()
    if migrate:
        ensure_migrated()
