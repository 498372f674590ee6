import time

from allauth.mfa import app_settings as mfa_settings
from django.core.management.base import BaseCommand

from demo.data import USERS
from demo.second_factors import current_code, demo_totp_secret
from demo.training import TRAINEE


class Command(BaseCommand):
    help = "Print each demo user's current sign-in code (the second factor after the password)."

    def add_arguments(self, parser):
        parser.add_argument("--secrets", action="store_true", help="Also print the secrets, for an authenticator app.")

    def handle(self, *args, secrets, **options):
        left = mfa_settings.TOTP_PERIOD - int(time.time()) % mfa_settings.TOTP_PERIOD
        self.stdout.write(f"Codes for the next {left} seconds (each works once):")
        for spec in (*USERS, TRAINEE):
            line = f"  {spec.username.ljust(12)} {current_code(spec.username)}"
            if secrets:
                line += f"   secret {demo_totp_secret(spec.username)}"
            self.stdout.write(line)
