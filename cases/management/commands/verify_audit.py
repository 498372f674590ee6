"""Check the audit log's hash chain: exit 1 at the first entry deleted, changed or cut off."""

from django.core.management.base import BaseCommand, CommandError

from people.audit import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain and report the first broken or missing link. "
        "Keep the head it prints: given back with --head, it shows whether entries were cut from the end."
    )

    def add_arguments(self, parser):
        parser.add_argument("--head", default="", help="a head printed by an earlier run, which must still be there")

    def handle(self, *args, head, **options):
        report = verify_chain(expected_head=head)
        if report.problem:
            where = f"entry {report.broken_at}" if report.broken_at is not None else "the end of the log"
            raise CommandError(f"Audit log broken at {where}: {report.problem}. {report.checked} entries checked.")
        self.stdout.write(f"Audit log intact: {report.checked} entries checked. Head: {report.head}")
