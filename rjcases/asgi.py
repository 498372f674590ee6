import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rjcases.settings")

application = get_asgi_application()

from people.fields import require_field_encryption_keys  # noqa: E402 (needs the apps loaded)

require_field_encryption_keys()
