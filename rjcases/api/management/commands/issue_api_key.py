import argparse
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from people.models import Partner, Unit
from rjcases.api.clients import issue_api_key
from rjcases.api.models import ApiClient


def moment(value: str) -> datetime:
    """Parse an ISO 8601 date-time, or a date meaning the start of that day, in the app's time zone."""
    try:
        parsed = parse_datetime(value) or parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (2027-03-31) or a date-time (2027-03-31T18:00).")
    if not isinstance(parsed, datetime):
        parsed = datetime.combine(parsed, time.min)
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


class Command(BaseCommand):
    help = "Issue an API key for a referring agency's unit or a community partner. The key is printed once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The system's name, e.g. 'Northby records system'.")
        parser.add_argument("--unit", type=int, help="Id of the unit the client logs referrals for.")
        parser.add_argument("--partner", type=int, help="Id of the partner organisation the client works for.")
        parser.add_argument("--scope", choices=ApiClient.Scope.values, default=ApiClient.Scope.READ)
        parser.add_argument(
            "--expires",
            type=moment,
            help="When the key stops working: a date (the start of that day) or a date-time. Default: never.",
        )

    def handle(self, *args, name, unit, partner, scope, expires, **options):
        if (unit is None) == (partner is None):
            raise CommandError("Give exactly one of --unit or --partner.")
        if ApiClient.objects.filter(name=name).exists():
            raise CommandError(f"A client named {name!r} already exists.")
        if expires is not None and expires <= timezone.now():
            raise CommandError("The expiry must be in the future.")
        try:
            unit = Unit.objects.get(pk=unit) if unit is not None else None
            partner = Partner.objects.get(pk=partner) if partner is not None else None
        except (Unit.DoesNotExist, Partner.DoesNotExist):
            raise CommandError("No such unit or partner.") from None
        client, key = issue_api_key(name=name, scope=scope, unit=unit, partner=partner, expires_at=expires)
        until = f", expiring {timezone.localtime(expires).isoformat(timespec='minutes')}" if expires else ""
        self.stderr.write(
            f"Issued a {scope} key for {client} (prefix {client.key_prefix}){until}. It is shown only now:"
        )
        self.stdout.write(key)
