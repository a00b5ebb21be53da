"""The table of the database cache (`CACHES` in config/settings.py when `REDIS_URL` is not set),
which holds the throttle counters every worker shares: made here so that `migrate` (which
`make run`, the tests and every deployment run) creates it, as `createcachetable` would."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

CACHE_TABLE = "django_cache"  # config/settings.py names the same table


def create_cache_table(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    quoted = schema_editor.quote_name(CACHE_TABLE)
    schema_editor.execute(f"DROP TABLE IF EXISTS {quoted}")  # noqa: S608 - a constant name


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_personal_access_tokens")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table, elidable=False)]
