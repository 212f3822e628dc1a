"""The platforms' event windows around their main days, 2015-2035: the build-up (预热, the
weeks of pre-sales and rising traffic before 38节, 618, 双11, 双12) and the days after
(返场). Days inside them are compared with the plan or the same window a year earlier,
never with ordinary weeks. Rows already there (the team's own) are left as they are."""

from datetime import date

from django.db import migrations

# (name, (month, first day), (month, last day))
WINDOWS = (
    ("38节预热", (3, 1), (3, 7)),
    ("618预热", (6, 1), (6, 17)),
    ("618返场", (6, 19), (6, 20)),
    ("双11预热", (10, 20), (11, 10)),
    ("双11返场", (11, 12), (11, 13)),
    ("双12预热", (12, 10), (12, 11)),
)


def seed(apps, schema_editor):
    CalendarEvent = apps.get_model("monitoring", "CalendarEvent")
    CalendarEvent.objects.bulk_create(
        [
            CalendarEvent(
                name=name, kind="platform", start=date(year, *first), end=date(year, *last)
            )
            for year in range(2015, 2036)
            for name, first, last in WINDOWS
        ],
        ignore_conflicts=True,
    )


def unseed(apps, schema_editor):
    CalendarEvent = apps.get_model("monitoring", "CalendarEvent")
    CalendarEvent.objects.filter(kind="platform", name__in=[w[0] for w in WINDOWS]).delete()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0006_row_ongoing_since")]
    operations = [migrations.RunPython(seed, unseed)]
