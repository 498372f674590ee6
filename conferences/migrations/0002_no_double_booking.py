"""On PostgreSQL, refuse double bookings in the database itself, so that the rule holds under
concurrent requests: one facilitator, or one venue, cannot have two overlapping scheduled
conferences. The services check first to explain a clash; these constraints close the race."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE conferences_conferencefacilitator
    ADD CONSTRAINT booking_no_facilitator_overlap
    EXCLUDE USING gist (facilitator_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (active);
ALTER TABLE conferences_conference
    ADD CONSTRAINT conference_no_venue_overlap
    EXCLUDE USING gist (venue_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status = 'scheduled' AND venue_id IS NOT NULL);
"""
DROP = """
ALTER TABLE conferences_conferencefacilitator DROP CONSTRAINT IF EXISTS booking_no_facilitator_overlap;
ALTER TABLE conferences_conference DROP CONSTRAINT IF EXISTS conference_no_venue_overlap;
"""


def create_constraints(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("conferences", "0001_initial")]

    operations = [migrations.RunPython(create_constraints, drop_constraints)]
