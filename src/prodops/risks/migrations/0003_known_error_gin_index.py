"""Full-text index of known errors on PostgreSQL: a GIN index on the weighted tsvector
expression that risks/search.py queries (the same SQL text, so the planner uses it).
Nothing on SQLite, which has its FTS5 table (migration 0002)."""

from django.db import migrations

from prodops.risks.search import PG_VECTOR


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX risks_knownerror_fts_gin ON risks_knownerror USING GIN ({PG_VECTOR})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS risks_knownerror_fts_gin")


class Migration(migrations.Migration):
    dependencies = [("risks", "0002_known_error_full_text")]

    operations = [migrations.RunPython(forwards, backwards)]
