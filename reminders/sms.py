"""Text messages through a backend chosen in settings (SMS_BACKEND), like Django's email backends.

`ConsoleBackend` prints (the default), `LocmemBackend` keeps messages in `outbox` (tests),
`TwilioBackend` sends through Twilio's API with TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and
TWILIO_FROM_NUMBER from the environment. A sweep makes one backend for its batch (one client, one
pool of connections) and every call waits at most SMS_TIMEOUT seconds.
"""

import sys
import threading
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass
class TextMessage:
    to: str
    body: str


class SmsError(Exception):
    """The provider refused or could not be reached; the reminder is tried again later."""


class BaseBackend:
    def send(self, message: TextMessage) -> None:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    _lock = threading.Lock()

    def send(self, message: TextMessage) -> None:
        with self._lock:
            sys.stdout.write(f"SMS to {message.to}\n{message.body}\n{'-' * 79}\n")
            sys.stdout.flush()


outbox: list[TextMessage] = []


class LocmemBackend(BaseBackend):
    def send(self, message: TextMessage) -> None:
        outbox.append(message)


class TwilioBackend(BaseBackend):
    def __init__(self):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        # Twilio's client waits forever by default: a hung call could outlast the sweep's lease, and
        # another sweep would then send the same text. The timeout keeps every call inside the lease.
        http = TwilioHttpClient(timeout=settings.SMS_TIMEOUT)
        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http)

    def send(self, message: TextMessage) -> None:
        from twilio.base.exceptions import TwilioException

        try:
            self.client.messages.create(to=message.to, from_=settings.TWILIO_FROM_NUMBER, body=message.body)
        except TwilioException as error:
            raise SmsError(str(error)) from error


def sms_backend() -> BaseBackend:
    """Return a new instance of the configured backend."""
    return import_string(settings.SMS_BACKEND)()
