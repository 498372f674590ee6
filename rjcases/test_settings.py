"""Settings for the test suite: the same module, made fast and quiet.

DATABASE_URL chooses the database as in production (SQLite when unset, PostgreSQL in CI).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "test-field-encryption-key")

from .settings import *  # noqa: F403
from .settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
CELERY_TASK_ALWAYS_EAGER = True
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LOGGING = {"version": 1, "disable_existing_loggers": False}
# The live server of the browser tests serves static files itself; WhiteNoise is for production.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
# Every write request of the suite must leave its audit entries (tests/audit_guard.py).
MIDDLEWARE = ["tests.audit_guard.WriteAuditGuard", *MIDDLEWARE]
SMS_BACKEND = "reminders.sms.LocmemBackend"
SITE_URL = "https://rj.example.org"
# Test receivers listen on loopback.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
