"""The platforms' yearly event days, 2015-2035, as editable data (monitoring.CalendarEvent).
Public holidays are not stored: they come from the `holidays` package."""

from datetime import date

from django.db import migrations

# (name, month, first day, last day): the main day of each event.
EVENTS = (("38节", 3, 8, 8), ("618", 6, 18, 18), ("双11", 11, 11, 11), ("双12", 12, 12, 12))


def seed(apps, schema_editor):
    CalendarEvent = apps.get_model("monitoring", "CalendarEvent")
    CalendarEvent.objects.bulk_create(
        [
            CalendarEvent(
                name=name,
                kind="platform",
                start=date(year, month, first),
                end=date(year, month, last),
            )
            for year in range(2015, 2036)
            for name, month, first, last in EVENTS
        ],
        ignore_conflicts=True,
    )


def unseed(apps, schema_editor):
    CalendarEvent = apps.get_model("monitoring", "CalendarEvent")
    CalendarEvent.objects.filter(kind="platform", name__in=[e[0] for e in EVENTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0004_calendar_events")]
    operations = [migrations.RunPython(seed, unseed)]
