from django.db import migrations

from gptactions.legacy_tables import copy_rows_from_table


class Migration(migrations.Migration):
    dependencies = [("gptactions", "0001_initial")]

    operations = [
        migrations.RunPython(copy_rows_from_table("items_apikey", "gptactions", "ApiKey"), migrations.RunPython.noop),
    ]
