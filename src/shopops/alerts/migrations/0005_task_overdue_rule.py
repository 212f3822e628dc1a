"""Every existing store gets the default rules added since (the late-task rule of the
plans): alerts.defaults.ensure creates only the ones a store does not have."""

from django.db import migrations


def forwards(apps, schema_editor):
    from shopops.alerts import defaults

    Store = apps.get_model("core", "Store")
    AlertRule = apps.get_model("alerts", "AlertRule")
    for store in Store.objects.all():
        defaults.ensure(store, AlertRule)


class Migration(migrations.Migration):
    dependencies = [("alerts", "0004_morning_report"), ("planning", "0002_tasks")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
