"""The audit log gets the AU-3 fields (the account, the client, the outcome) and its hash chain;
TRUNCATE is refused too."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# TRUNCATE skips row triggers: refuse it with a statement trigger (the function is 0003's).
NO_TRUNCATE = """
CREATE TRIGGER cases_auditentry_no_truncate
    BEFORE TRUNCATE ON cases_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION cases_auditentry_append_only();
"""

# Whoever the schema's owner granted more than appending and reading to (the app's role, through
# scripts/db-roles' default privileges) loses it: only the owner may even try, and the triggers
# refuse the owner too.
REVOKE_ALL_BUT_APPEND = """
DO $$
DECLARE grantee text;
BEGIN
    FOR grantee IN
        SELECT DISTINCT g.grantee FROM information_schema.role_table_grants g
        WHERE g.table_name = 'cases_auditentry' AND g.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
          AND g.grantee <> current_user
    LOOP
        EXECUTE format(
            'REVOKE UPDATE, DELETE, TRUNCATE ON cases_auditentry FROM %s',
            CASE WHEN grantee = 'PUBLIC' THEN 'PUBLIC' ELSE quote_ident(grantee) END
        );
    END LOOP;
END
$$;
"""


def chain_existing_entries(apps, schema_editor):
    """Name the actor of each entry already written, and chain the entries in id order.

    The one time entries are changed: run by the schema's owner, with the refusal lifted for the
    length of this migration's transaction only.
    """
    from people.audit import chain_hash

    AuditEntry = apps.get_model("cases", "AuditEntry")
    User = apps.get_model("cases", "User")
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute("ALTER TABLE cases_auditentry DISABLE TRIGGER cases_auditentry_append_only")
    names = dict(User.objects.values_list("pk", "username"))
    previous = ""
    for entry in AuditEntry.objects.order_by("pk").iterator(chunk_size=2000):
        entry.actor_username = names.get(entry.actor_id, "")
        entry.prev_hash = previous
        entry.entry_hash = previous = chain_hash(entry)
        AuditEntry.objects.filter(pk=entry.pk).update(
            actor_username=entry.actor_username, prev_hash=entry.prev_hash, entry_hash=entry.entry_hash
        )
    if postgres:
        schema_editor.execute("ALTER TABLE cases_auditentry ENABLE TRIGGER cases_auditentry_append_only")
        schema_editor.execute(NO_TRUNCATE)
        schema_editor.execute(REVOKE_ALL_BUT_APPEND, params=None)  # its %s is format()'s


def unchain(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS cases_auditentry_no_truncate ON cases_auditentry")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_dashboard_moves_to_reporting"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="auditentry",
            options={"ordering": ["-created_at", "-pk"], "verbose_name_plural": "audit entries"},
        ),
        migrations.AddField(
            model_name="auditentry",
            name="actor_username",
            field=models.CharField(
                blank=True, help_text="The account acting, or the one attempted at a failed login.", max_length=150
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="client",
            field=models.CharField(blank=True, help_text="The site, an API key, a task or a command.", max_length=100),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="entry_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("success", "Succeeded"),
                    ("failed", "Failed"),
                    ("denied", "Denied"),
                    ("not_found", "Not found or not visible"),
                ],
                default="success",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("login", "Logged in"),
                    ("login_failed", "Failed login"),
                    ("logout", "Logged out"),
                    ("view", "Viewed"),
                    ("export", "Exported"),
                    ("create", "Created"),
                    ("change", "Changed"),
                    ("delete", "Deleted"),
                    ("refused", "Refused access"),
                    ("merge", "Merged people"),
                    ("unmerge", "Reversed a merge"),
                    ("adopt", "Adopted contact details"),
                    ("seal", "Sealed"),
                    ("unseal", "Unsealed"),
                    ("purge", "Purged personal data"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="actor",
            field=models.ForeignKey(
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(chain_existing_entries, unchain),
    ]
