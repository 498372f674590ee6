"""Text messages through a backend chosen in settings (SMS_BACKEND), like Django's email backends.

`ConsoleBackend` prints (the default), `LocmemBackend` keeps messages in `outbox` (tests),
`TwilioBackend` sends through Twilio's API with TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and
TWILIO_FROM_NUMBER from the environment.
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
        from twilio.rest import Client

        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)

    def send(self, message: TextMessage) -> None:
        from twilio.base.exceptions import TwilioException

        try:
            self.client.messages.create(to=message.to, from_=settings.TWILIO_FROM_NUMBER, body=message.body)
        except TwilioException as error:
            raise SmsError(str(error)) from error


def send_sms(to: str, body: str) -> None:
    """Send one text message through the configured backend."""
    import_string(settings.SMS_BACKEND)().send(TextMessage(to=to, body=body))
