from django.core.management.base import BaseCommand, CommandError

from people.models import Partner, Unit
from rjcases.api.clients import issue_api_key
from rjcases.api.models import ApiClient


class Command(BaseCommand):
    help = "Issue an API key for a referring agency's unit or a community partner. The key is printed once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The system's name, e.g. 'Northby records system'.")
        parser.add_argument("--unit", type=int, help="Id of the unit the client logs referrals for.")
        parser.add_argument("--partner", type=int, help="Id of the partner organisation the client works for.")
        parser.add_argument("--scope", choices=ApiClient.Scope.values, default=ApiClient.Scope.READ)

    def handle(self, *args, name, unit, partner, scope, **options):
        if (unit is None) == (partner is None):
            raise CommandError("Give exactly one of --unit or --partner.")
        if ApiClient.objects.filter(name=name).exists():
            raise CommandError(f"A client named {name!r} already exists.")
        try:
            unit = Unit.objects.get(pk=unit) if unit is not None else None
            partner = Partner.objects.get(pk=partner) if partner is not None else None
        except (Unit.DoesNotExist, Partner.DoesNotExist):
            raise CommandError("No such unit or partner.") from None
        client, key = issue_api_key(name=name, scope=scope, unit=unit, partner=partner)
        self.stderr.write(f"Issued a {scope} key for {client} (prefix {client.key_prefix}). It is shown only now:")
        self.stdout.write(key)
