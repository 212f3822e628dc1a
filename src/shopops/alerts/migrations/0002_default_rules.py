"""Every existing store gets the default rule set (alerts.defaults); new stores get it on
their first evaluation or visit of the rules page."""

from django.db import migrations


def forwards(apps, schema_editor):
    from shopops.alerts import defaults

    Store = apps.get_model("core", "Store")
    AlertRule = apps.get_model("alerts", "AlertRule")
    for store in Store.objects.all():
        defaults.ensure(store, AlertRule)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0001_initial"), ("core", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
