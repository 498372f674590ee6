import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rjcases.settings")

application = get_wsgi_application()

from people.fields import require_field_encryption_keys  # noqa: E402 (needs the apps loaded)

require_field_encryption_keys()
