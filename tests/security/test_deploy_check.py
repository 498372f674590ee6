"""`manage.py check --deploy` passes, without a single warning, under the production environment the
README documents: production differs from a laptop only through these variables."""

import os
import secrets
import subprocess
import sys
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def production_environment() -> dict[str, str]:
    """Return the README's production variables, with the test's PostgreSQL as the database."""
    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": secrets.token_urlsafe(32),
        "AUDIT_CHAIN_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "rj.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://rj.example.org",
        "SITE_URL": "https://rj.example.org",
        "DATABASE_URL": f"postgres://{credentials}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "SECURE_COOKIES": "true",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "BEHIND_TLS_PROXY": "true",
        "EMAIL_URL": "smtp+tls://rjcases:secret@smtp.example.org:587",
    }


def check_deploy(environment: dict[str, str]) -> subprocess.CompletedProcess:
    # A clean environment: nothing of the test run's own settings (DJANGO_SETTINGS_MODULE, CI…) leaks in.
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deploy_check_passes_in_production():
    result = check_deploy(production_environment())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_the_deploy_check_fails_without_hsts():
    result = check_deploy({**production_environment(), "SECURE_HSTS_SECONDS": "0"})

    assert result.returncode != 0
    assert "security.W004" in result.stderr
