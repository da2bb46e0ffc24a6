"""Full-text index of known errors on SQLite: an FTS5 external-content table kept in
step with risks_knownerror by triggers (the pattern of the SQLite FTS5 documentation,
section 4.4.3). PostgreSQL computes tsvectors at query time (see risks/search.py), so
nothing is created there."""

from django.db import migrations

FTS_COLUMNS = "title, symptom, cause, workaround"

CREATE = [
    "CREATE VIRTUAL TABLE risks_knownerror_fts USING fts5("
    f"{FTS_COLUMNS}, content='risks_knownerror', content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER risks_knownerror_fts_ai AFTER INSERT ON risks_knownerror BEGIN "
    f"INSERT INTO risks_knownerror_fts(rowid, {FTS_COLUMNS}) "
    "VALUES (new.id, new.title, new.symptom, new.cause, new.workaround); END",
    "CREATE TRIGGER risks_knownerror_fts_ad AFTER DELETE ON risks_knownerror BEGIN "
    f"INSERT INTO risks_knownerror_fts(risks_knownerror_fts, rowid, {FTS_COLUMNS}) "
    "VALUES ('delete', old.id, old.title, old.symptom, old.cause, old.workaround); END",
    "CREATE TRIGGER risks_knownerror_fts_au AFTER UPDATE ON risks_knownerror BEGIN "
    f"INSERT INTO risks_knownerror_fts(risks_knownerror_fts, rowid, {FTS_COLUMNS}) "
    "VALUES ('delete', old.id, old.title, old.symptom, old.cause, old.workaround); "
    f"INSERT INTO risks_knownerror_fts(rowid, {FTS_COLUMNS}) "
    "VALUES (new.id, new.title, new.symptom, new.cause, new.workaround); END",
    "INSERT INTO risks_knownerror_fts(risks_knownerror_fts) VALUES ('rebuild')",
]
DROP = [
    "DROP TRIGGER IF EXISTS risks_knownerror_fts_au",
    "DROP TRIGGER IF EXISTS risks_knownerror_fts_ad",
    "DROP TRIGGER IF EXISTS risks_knownerror_fts_ai",
    "DROP TABLE IF EXISTS risks_knownerror_fts",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in CREATE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("risks", "0001_risk_register_known_errors")]

    operations = [migrations.RunPython(forwards, backwards)]
