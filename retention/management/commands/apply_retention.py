"""Seal the records that are due and purge those past their retention now, as the daily tasks do."""

from django.core.management.base import BaseCommand

from retention import purge, sealing


class Command(BaseCommand):
    help = "Seal due juvenile records and purge the personal data of records past their retention."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only say how many records are due.")

    def handle(self, *args, dry_run: bool = False, **options):
        if dry_run:
            to_seal = sealing.records_due_for_sealing()
            to_purge = purge.records_due_for_purge()
            self.stdout.write(f"Due to be sealed: {len(to_seal)} records. Due to be purged: {len(to_purge)} records.")
            return
        sealed = sealing.seal_due_records()
        report = purge.purge_due_records()
        self.stdout.write(self.style.SUCCESS(f"Sealed {sealed} records. Purged {report}."))
