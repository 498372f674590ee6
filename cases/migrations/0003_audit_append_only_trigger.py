"""On PostgreSQL, refuse UPDATE and DELETE on the audit log whatever the client (DESIGN.md, rule 6)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION cases_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER cases_auditentry_append_only
    BEFORE UPDATE OR DELETE ON cases_auditentry
    FOR EACH ROW EXECUTE FUNCTION cases_auditentry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS cases_auditentry_append_only ON cases_auditentry;
DROP FUNCTION IF EXISTS cases_auditentry_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
