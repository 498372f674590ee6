"""Contact details are encrypted at rest, in their table and in its history, and the key rotates."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from people.fields import FERNET_TOKEN_PREFIX
from people.models import ContactDetails
from tests.factories import ContactDetailsFactory, PersonFactory

pytestmark = pytest.mark.django_db

PHONE, EMAIL, ADDRESS = "07700 900456", "sam.victim@example.org", "14 Orchard Lane, Northby"


def stored(table, pk_column, pk, columns=("phone", "email", "address")):
    """Return what the database itself holds, bypassing the fields."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {pk_column} = %s", [pk])
        return cursor.fetchone()


def details(**kwargs):
    return ContactDetailsFactory(
        person=PersonFactory(contact=None), phone=PHONE, email=EMAIL, address=ADDRESS, **kwargs
    )


def test_the_columns_hold_tokens_not_the_clear_values():
    contact = details()
    raw = stored("cases_contactdetails", "id", contact.pk)
    for clear, column in zip((PHONE, EMAIL, ADDRESS), raw, strict=True):
        assert clear not in column
        assert column.startswith(FERNET_TOKEN_PREFIX)
    contact = ContactDetails.objects.get(pk=contact.pk)
    assert (contact.phone, contact.email, contact.address) == (PHONE, EMAIL, ADDRESS)


def test_the_history_table_is_encrypted_too():
    contact = details()
    contact.address = "2 New Road"
    contact.save()
    history = contact.history.order_by("history_id")
    assert [h.address for h in history] == [ADDRESS, "2 New Road"]
    for row in history:
        raw = stored("cases_historicalcontactdetails", "history_id", row.history_id)
        assert PHONE not in " ".join(raw) and ADDRESS not in " ".join(raw) and "New Road" not in " ".join(raw)


def test_blank_details_stay_blank():
    contact = ContactDetailsFactory(person=PersonFactory(contact=None), phone="", email="", address="")
    assert stored("cases_contactdetails", "id", contact.pk) == ("", "", "")
    contact = ContactDetails.objects.get(pk=contact.pk)
    assert (contact.phone, contact.email, contact.address) == ("", "", "")


def test_rotation_reads_old_rows_reencrypts_and_then_needs_only_the_new_key():
    with override_settings(SALT_KEY=["key-one"]):
        contact = details()
        before = stored("cases_contactdetails", "id", contact.pk)
    with override_settings(SALT_KEY=["key-two", "key-one"]):
        assert ContactDetails.objects.get(pk=contact.pk).phone == PHONE
        call_command("rotate_field_key", stdout=open(os.devnull, "w"))  # noqa: SIM115
        after = stored("cases_contactdetails", "id", contact.pk)
    assert after != before
    with override_settings(SALT_KEY=["key-two"]):
        contact = ContactDetails.objects.get(pk=contact.pk)
        assert (contact.phone, contact.email, contact.address) == (PHONE, EMAIL, ADDRESS)
        history = contact.history.get()
        assert (history.phone, history.address) == (PHONE, ADDRESS)


def test_without_the_old_key_an_old_row_does_not_open():
    with override_settings(SALT_KEY=["key-one"]):
        contact = details()
    with override_settings(SALT_KEY=["key-two"]):
        assert ContactDetails.objects.get(pk=contact.pk).phone != PHONE


def test_rotation_refuses_to_rewrite_what_no_key_opens():
    with override_settings(SALT_KEY=["key-one"]):
        contact = details()
        before = stored("cases_contactdetails", "id", contact.pk)
    with override_settings(SALT_KEY=["key-two"]), pytest.raises(CommandError, match="none of the configured keys"):
        call_command("rotate_field_key")
    assert stored("cases_contactdetails", "id", contact.pk) == before


def test_secret_key_rotation_through_the_fallbacks():
    with override_settings(SECRET_KEY="old-secret-key-" * 4):
        contact = details()
    with override_settings(SECRET_KEY="new-secret-key-" * 4, SECRET_KEY_FALLBACKS=["old-secret-key-" * 4]):
        assert ContactDetails.objects.get(pk=contact.pk).email == EMAIL
        call_command("rotate_field_key", stdout=open(os.devnull, "w"))  # noqa: SIM115
    with override_settings(SECRET_KEY="new-secret-key-" * 4, SECRET_KEY_FALLBACKS=[]):
        assert ContactDetails.objects.get(pk=contact.pk).email == EMAIL


# Migrating back and forth changes the schema: only its owner may.
@pytest.mark.schema_owner
@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_clear_rows_and_reverses():
    contact = details()
    executor = MigrationExecutor(connection)
    executor.migrate([("cases", "0012_person_purged_at")])
    assert stored("cases_contactdetails", "id", contact.pk) == (PHONE, EMAIL, ADDRESS)
    executor = MigrationExecutor(connection)
    executor.migrate([("cases", "0013_contact_details_encrypted_at_rest")])
    raw = stored("cases_contactdetails", "id", contact.pk)
    assert PHONE not in raw and all(column.startswith(FERNET_TOKEN_PREFIX) for column in raw)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert ContactDetails.objects.get(pk=contact.pk).address == ADDRESS


def test_production_refuses_to_start_without_a_key():
    env = {k: v for k, v in os.environ.items() if k not in ("FIELD_ENCRYPTION_KEYS", "CI", "DEBUG")}
    env.update(SECRET_KEY="a-production-secret", DJANGO_SETTINGS_MODULE="rjcases.settings")
    code = "import rjcases.wsgi"  # what gunicorn loads
    refused = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert refused.returncode != 0
    assert "ImproperlyConfigured: FIELD_ENCRYPTION_KEYS is not set" in refused.stderr
    env["FIELD_ENCRYPTION_KEYS"] = "a-production-field-key"
    started = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert started.returncode == 0, started.stderr
    env.pop("FIELD_ENCRYPTION_KEYS")
    env["DEBUG"] = "true"
    assert subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=False).returncode == 0


def test_without_a_key_commands_that_touch_no_data_still_run_and_encrypted_values_are_refused():
    env = {k: v for k, v in os.environ.items() if k not in ("FIELD_ENCRYPTION_KEYS", "CI", "DEBUG", "SECRET_KEY")}
    env["DJANGO_SETTINGS_MODULE"] = "rjcases.settings"
    checked = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        env=env, capture_output=True, text=True, check=False, cwd=settings.BASE_DIR,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    env["SECRET_KEY"] = "a-production-secret"
    code = (
        "import django; django.setup()\n"
        "from people.models import ContactDetails\n"
        "ContactDetails._meta.get_field('phone').get_prep_value('07700 900123')"
    )
    refused = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert "ImproperlyConfigured: FIELD_ENCRYPTION_KEYS is not set" in refused.stderr
