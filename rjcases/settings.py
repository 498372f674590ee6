"""RJ Cases settings: one module, driven by the environment.

Production differs from a laptop only through environment variables (or a `.env` file beside
manage.py). With nothing set, the app runs on a SQLite file under `var/` and an embedded,
file-system Celery broker, so that trying it out needs no server.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me" if DEBUG else None)
# The key of the audit log's hash chain (people/audit.py). Set it apart from SECRET_KEY in
# production, so that rotating SECRET_KEY leaves the log verifiable; by default it is derived from it.
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY", default=f"audit-chain:{SECRET_KEY}")
# Contact details are encrypted at rest (people/fields.py, docs/data-protection.md) under keys derived
# from SECRET_KEY (and SECRET_KEY_FALLBACKS) and each of FIELD_ENCRYPTION_KEYS: the first encrypts,
# all decrypt. A laptop and CI derive one from SECRET_KEY; production must set it. Without it the web
# and Celery processes refuse to start, and any read or write of an encrypted column refuses
# (people/fields.py), while commands that touch no data (makemigrations, check) still run.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS and (DEBUG or env.bool("CI", default=False)):
    FIELD_ENCRYPTION_KEYS = [f"field-encryption:{SECRET_KEY}"]
SALT_KEY = FIELD_ENCRYPTION_KEYS  # the name encrypted_fields reads
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_fsm",
    "simple_history",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "cases",
    "referrals",
    "conferences",
    "reminders",
    "reporting",
    "retention",
    "rjcases.api",
    "demo",
    "accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # After authentication: every write and refusal of the request is attributed to its user.
    "people.audit.AuditMiddleware",
]

ROOT_URLCONF = "rjcases.urls"
WSGI_APPLICATION = "rjcases.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'rjcases.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)  # a fresh clone has no var/ yet: SQLite would refuse to create the file
    # WAL and a busy timeout let the web process and the Celery worker share the file.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # IMMEDIATE: a transaction takes the write lock when it begins, so that two processes never
    # read the same last audit entry to chain to.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "cases.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# One variable for email: consolemail:// (the default) prints messages; smtp+tls://user:pw@host:587
# sends them. EMAIL_BACKEND, when set, wins (e.g. an anymail backend for a provider's API).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
EMAIL_BACKEND = env("EMAIL_BACKEND", default=EMAIL_BACKEND)  # noqa: F821  (set by the line above)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="RJ Cases <no-reply@rjcases.invalid>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Settings of the provider's API when EMAIL_BACKEND is an anymail backend, e.g. MAILGUN_API_KEY.
ANYMAIL = {key: value for key, value in env.ENVIRON.items() if key.startswith(("MAILGUN_", "POSTMARK_", "SENDGRID_"))}

# Text messages: reminders.sms.ConsoleBackend prints them; reminders.sms.TwilioBackend sends them.
SMS_BACKEND = env("SMS_BACKEND", default="reminders.sms.ConsoleBackend")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")

# Links in emails and text messages point here.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# How long a sweep holds the reminders it claimed; after that another sweep may take them over.
# It must be longer than sending one reminder can take (EMAIL_TIMEOUT and the SMS provider's).
REMINDER_CLAIM_SECONDS = env.int("REMINDER_CLAIM_SECONDS", default=300)
# After a change that makes a reminder due at once, ask a worker to sweep now rather than within the minute.
REMINDERS_NUDGE_WORKER = env.bool("REMINDERS_NUDGE_WORKER", default=True)

# Redis is the broker in production, CI and docker compose; without REDIS_URL the worker and
# beat use kombu's file-system transport under var/ so that `make run` needs no server.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Counters of the API's request limits live in the cache: Redis when there is one, so that every
# web process counts together; otherwise each process's memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rjcases.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rjcases.api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rjcases.api.throttling.ClientRateThrottle",
        "rjcases.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "client": env("API_RATE_CLIENT", default="600/min"),
        "anonymous": env("API_RATE_ANONYMOUS", default="60/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "rjcases.api.pagination.KeysetPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "rjcases.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "rjcases.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "RJ Cases API",
    "DESCRIPTION": "Referrals, cases, conferences and agreement items of the restorative justice programme. "
    "See docs/api.md for keys, errors, safe retries, concurrency and pagination.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ReferralStatusEnum": "referrals.models.ReferralStatus",
        "DeclineReasonEnum": "referrals.models.DeclineReason",
        "PartyRoleEnum": "referrals.models.PartyRole",
        "CaseStatusEnum": "cases.models.CaseStatus",
        "CaseEventKindEnum": "cases.models.CaseEvent.Kind",
        "ReturnReasonEnum": "cases.models.ReturnReason",
        "PersonKindEnum": "cases.models.Person.Kind",
        "PartnerKindEnum": "cases.models.Partner.Kind",
        "ConferenceStatusEnum": "conferences.models.ConferenceStatus",
        "ConferenceKindEnum": "conferences.models.ConferenceKind",
        "ParticipantRoleEnum": "conferences.models.Participant.Role",
        "ItemStatusEnum": "conferences.models.ItemStatus",
        "ItemKindEnum": "conferences.models.ItemKind",
        "ItemMoveEnum": ["completed", "missed", "waived"],
    },
}

# Programme rules that are facts of law rather than policy an admin edits.
JUVENILE_AGE = env.int("JUVENILE_AGE", default=18)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
