"""An email backend that takes its time over each message, so that a sweep stays busy for a while."""

import time

from django.conf import settings
from django.core.mail.backends.locmem import EmailBackend


class SlowEmailBackend(EmailBackend):
    def send_messages(self, messages):
        for _ in messages:
            time.sleep(settings.SLOW_MAIL_SECONDS)
        return super().send_messages(messages)
