"""Chinese substring search over leads (NOTES.md, measured at 1M rows).

SQLite: an FTS5 trigram index over summary and narrative, kept in sync by triggers.
PostgreSQL: pg_trgm GIN indexes, which serve `LIKE '%term%'` (Django's `__contains`).
Both only help terms of 3+ characters; shorter terms fall back to a scan (see search.py).
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE leads_lead_fts USING fts5(summary, narrative, content='leads_lead', content_rowid='id', tokenize='trigram')",
    "INSERT INTO leads_lead_fts(rowid, summary, narrative) SELECT id, summary, narrative FROM leads_lead",
    """CREATE TRIGGER leads_lead_fts_insert AFTER INSERT ON leads_lead BEGIN
         INSERT INTO leads_lead_fts(rowid, summary, narrative) VALUES (new.id, new.summary, new.narrative); END""",
    """CREATE TRIGGER leads_lead_fts_delete AFTER DELETE ON leads_lead BEGIN
         INSERT INTO leads_lead_fts(leads_lead_fts, rowid, summary, narrative) VALUES ('delete', old.id, old.summary, old.narrative); END""",
    """CREATE TRIGGER leads_lead_fts_update AFTER UPDATE OF summary, narrative ON leads_lead BEGIN
         INSERT INTO leads_lead_fts(leads_lead_fts, rowid, summary, narrative) VALUES ('delete', old.id, old.summary, old.narrative);
         INSERT INTO leads_lead_fts(rowid, summary, narrative) VALUES (new.id, new.summary, new.narrative); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS leads_lead_fts_insert",
    "DROP TRIGGER IF EXISTS leads_lead_fts_delete",
    "DROP TRIGGER IF EXISTS leads_lead_fts_update",
    "DROP TABLE IF EXISTS leads_lead_fts",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX leads_lead_summary_trgm ON leads_lead USING gin (summary gin_trgm_ops)",
    "CREATE INDEX leads_lead_narrative_trgm ON leads_lead USING gin (narrative gin_trgm_ops)",
    "CREATE INDEX leads_subject_name_trgm ON leads_subject USING gin (name gin_trgm_ops)",
    "CREATE INDEX leads_subject_alias_trgm ON leads_subject USING gin (alias gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS leads_lead_summary_trgm",
    "DROP INDEX IF EXISTS leads_lead_narrative_trgm",
    "DROP INDEX IF EXISTS leads_subject_name_trgm",
    "DROP INDEX IF EXISTS leads_subject_alias_trgm",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("leads", "0003_reminder_log")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
