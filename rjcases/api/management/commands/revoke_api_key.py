from django.core.management.base import BaseCommand, CommandError

from rjcases.api.clients import revoke_api_key
from rjcases.api.models import ApiClient


class Command(BaseCommand):
    help = "Revoke an API key at once, by its prefix (as the admin lists it) or the client's name."

    def add_arguments(self, parser):
        parser.add_argument("client", help="The key's prefix or the client's name.")

    def handle(self, *args, client, **options):
        found = ApiClient.objects.filter(key_prefix=client).first() or ApiClient.objects.filter(name=client).first()
        if found is None:
            raise CommandError(f"No API client with prefix or name {client!r}.")
        revoke_api_key(client=found)
        self.stdout.write(f"Key {found.key_prefix} of {found} revoked.")
