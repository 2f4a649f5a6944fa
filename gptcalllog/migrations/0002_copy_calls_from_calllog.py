from django.db import migrations

from gptactions.legacy_tables import copy_rows_from_table


class Migration(migrations.Migration):
    dependencies = [("gptcalllog", "0001_initial")]

    operations = [
        migrations.RunPython(copy_rows_from_table("calllog_call", "gptcalllog", "Call"), migrations.RunPython.noop),
    ]
