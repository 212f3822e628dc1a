"""The logs' full-text index on `search_text` (planning.logbook): an FTS5 table kept by
triggers on SQLite, a GIN index on its tsvector on PostgreSQL."""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE planning_logentry_fts USING fts5("
    "search_text, content='planning_logentry', content_rowid='id')",
    "CREATE TRIGGER planning_logentry_ai AFTER INSERT ON planning_logentry BEGIN "
    "INSERT INTO planning_logentry_fts(rowid, search_text) VALUES (new.id, new.search_text); "
    "END",
    "CREATE TRIGGER planning_logentry_ad AFTER DELETE ON planning_logentry BEGIN "
    "INSERT INTO planning_logentry_fts(planning_logentry_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER planning_logentry_au AFTER UPDATE ON planning_logentry BEGIN "
    "INSERT INTO planning_logentry_fts(planning_logentry_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO planning_logentry_fts(rowid, search_text) VALUES (new.id, new.search_text); "
    "END",
]
SQLITE_BACK = [
    "DROP TRIGGER IF EXISTS planning_logentry_ai",
    "DROP TRIGGER IF EXISTS planning_logentry_ad",
    "DROP TRIGGER IF EXISTS planning_logentry_au",
    "DROP TABLE IF EXISTS planning_logentry_fts",
]
POSTGRES = [
    "CREATE INDEX planning_logentry_search ON planning_logentry "
    "USING GIN (to_tsvector('simple', search_text))"
]
POSTGRES_BACK = ["DROP INDEX IF EXISTS planning_logentry_search"]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("planning", "0004_logs")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_BACK, "postgresql": POSTGRES_BACK}),
        )
    ]
