from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0005_seed_platform_events")]

    operations = [
        migrations.AddField(
            model_name="dailyreportrow",
            name="ongoing_since",
            field=models.DateField(blank=True, null=True, verbose_name="below target since"),
        ),
    ]
