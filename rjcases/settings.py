"""RJ Cases settings: one module, driven by the environment.

Production differs from a laptop only through environment variables (or a `.env` file beside
manage.py). With nothing set, the app runs on a SQLite file under `var/` and an embedded,
file-system Celery broker, so that trying it out needs no server.
"""

import ssl
from datetime import timedelta
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
    "csp",
    "training",
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
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A query or form field holding NUL is refused with a 400 naming it, before any view.
    "rjcases.security.RefuseNulCharacterMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A session past its idle or absolute limit signs its user out, saying why.
    "accounts.sessions.SessionLimitsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A signed-in user without a second factor can only enrol one (or sign out).
    "accounts.second_factor.RequireSecondFactorMiddleware",
    "accounts.reauth.AdminReauthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After authentication: what a signed-in user or an API client is shown is never cached.
    "rjcases.security.NoStoreForAuthenticatedMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # After authentication: every write and refusal of the request is attributed to its user.
    "people.audit.AuditMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
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
    # At least 12 characters (OWASP ASVS 6.2.1); no upper limit below Django's own 4,096.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Inactive accounts (docs/accounts.md, CJIS AC-2(3)): an account nobody signs in to for 90 days is
# deactivated by a daily task, after an email warning 7 days before. The warning must be the shorter.
ACCOUNT_INACTIVITY_DAYS = env.int("ACCOUNT_INACTIVITY_DAYS", default=90)
ACCOUNT_INACTIVITY_WARNING_DAYS = env.int("ACCOUNT_INACTIVITY_WARNING_DAYS", default=7)
# Sign-in (docs/accounts.md): django-axes counts failures; allauth signs in with username, password
# and a second factor; Django's ModelBackend serves the admin's own permission checks.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_ADAPTER = "accounts.adapters.StaffAccountAdapter"  # no self sign-up: admins create accounts
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # the changed password already ends every other session
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_SECONDS", default=3600)  # a reset link works once, for an hour
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False  # a reset asked for an unknown address sends nothing anywhere
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_NOTIFICATIONS = True  # "your password was changed", "a security key was added"
ACCOUNT_REAUTHENTICATION_TIMEOUT = env.int("REAUTHENTICATION_SECONDS", default=15 * 60)
# Wrong passwords are django-axes' to count (accounts/adapters.py); allauth's "login_failed" limit
# stays on the second factor: 5 wrong codes per account in 5 minutes, 10 a minute per address.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/300s/key"}
MFA_ADAPTER = "accounts.adapters.StaffMFAAdapter"  # secrets encrypted under FIELD_ENCRYPTION_KEYS
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "RJ Cases"
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TRUST_ENABLED = False  # every sign-in asks for the second factor
# WebAuthn needs a secure origin; a laptop's http://127.0.0.1 is allowed only when DEBUG is on.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# `make run` only: the demo's accounts may sign in without a second factor. Never set in production.
DEMO_SKIP_SECOND_FACTOR = DEBUG and env.bool("DEMO_SKIP_SECOND_FACTOR", default=False)
# A session's record (address, browser) is written at sign-in only, not at every request.
USERSESSIONS_TRACK_ACTIVITY = False

# Lockout (CJIS 5.5.3, AC-7): 5 failed logins lock the account and, separately, the address; a lock
# lasts 30 minutes after the last failure or until an admin deletes it in the admin.
AXES_FAILURE_LIMIT = env.int("LOCKOUT_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True  # consecutive failures count; a successful login starts again
AXES_USERNAME_CALLABLE = "accounts.lockout.username_of"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False
if env.bool("BEHIND_TLS_PROXY", default=False):
    AXES_IPWARE_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)

# Sessions end after 30 minutes without a request and 12 hours after sign-in, whatever the activity.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_SECONDS", default=12 * 3600)
# The store drops a session idle a little longer than that, once the middleware has said why it ended.
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS + 300
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
# Response headers (tests/security): HSTS, Content-Security-Policy and Permissions-Policy.
# HSTS covers the subdomains and asks for preloading; it is sent only once SECURE_HSTS_SECONDS is set.
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Scripts, styles, fonts and requests from the app's own origin only: no inline script, event handler,
# style attribute or <style> block (templates use static/js, static/css/app.css and json_script).
# Images may also be data: URIs, which Bootstrap's CSS uses for its icons (select arrows, close
# buttons). The API's Redoc page loosens it for itself (rjcases/api_urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
# Browser features the app never uses are switched off for it and anything it might embed. Security
# keys (WebAuthn) sign people in, so creating and using credentials stays allowed for the app itself.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "browsing-topics": [],
    "camera": [],
    "display-capture": [],
    "encrypted-media": [],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "idle-detection": [],
    "local-fonts": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "otp-credentials": [],
    "payment": [],
    "picture-in-picture": [],
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "window-management": [],
    "xr-spatial-tracking": [],
}

# The largest request body read (2.5 MB by default); a larger one is refused, with 413 under /api/.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_BODY_BYTES", default=2_621_440)

LANGUAGE_CODE = "en-gb"
# The languages participants' pages and messages are in (gettext catalogues under locale/); each
# participant's is chosen on their contact details, or by them on the page. Staff pages are English.
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg"), ("pl", "Polski")]
LOCALE_PATHS = [BASE_DIR / "locale"]
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
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# How long a sweep holds the reminders it claimed; after that another sweep may take them over.
# The sweep renews it every third of it, so it must be over three times the longest provider call
# (EMAIL_TIMEOUT, SMS_TIMEOUT): a system check refuses to start otherwise.
REMINDER_CLAIM_SECONDS = env.int("REMINDER_CLAIM_SECONDS", default=300)
SMS_TIMEOUT = env.int("SMS_TIMEOUT", default=15)
# A sweep claims this many rows at a time: a worker killed mid-batch delays only these by a lease.
REMINDER_BATCH_SIZE = env.int("REMINDER_BATCH_SIZE", default=25)
# Rows one task sends before it stops (the next sweep goes on), and how many other workers the
# periodic sweep asks to help with a burst larger than one batch.
REMINDER_SWEEP_MAX_ROWS = env.int("REMINDER_SWEEP_MAX_ROWS", default=2000)
REMINDER_SWEEP_HELPERS = env.int("REMINDER_SWEEP_HELPERS", default=3)
# Sent emails and texts are marked in one update at most this long after the provider took them:
# the longest a killed sweep's duplicates can cover (docs/reminders.md).
REMINDER_MARK_SECONDS = env.float("REMINDER_MARK_SECONDS", default=0.25)
# A second rebuild of the dashboard queued within this many seconds of the last one (a second beat)
# is skipped; `manage.py refresh_dashboard` always rebuilds.
DASHBOARD_REBUILD_MIN_SECONDS = env.int("DASHBOARD_REBUILD_MIN_SECONDS", default=60)
# Webhook deliveries: how long a sweep holds a claimed delivery (longer than one try can take), how
# long a receiver has to answer, and whether plain http and private addresses are allowed (never in
# production: a subscriber could otherwise make the worker call inside the programme's network).
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_CLAIM_SECONDS = env.int("WEBHOOK_CLAIM_SECONDS", default=120)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = DEBUG and env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=True)
# After a change that makes a reminder due at once, ask a worker to sweep now rather than within the minute.
REMINDERS_NUDGE_WORKER = env.bool("REMINDERS_NUDGE_WORKER", default=True)

# Redis is the broker in production, CI and docker compose; without REDIS_URL the worker and
# beat use kombu's file-system transport under var/ so that `make run` needs no server.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # kombu's Redis transport with one fix, so that a busy worker outlives a Redis restart (rjcases/broker.py).
    # kombu takes this over the URL's scheme, so for rediss:// it no longer switches TLS on by itself:
    # it is asked for here, with the server's certificate checked (ssl_* options in the URL still win).
    CELERY_BROKER_TRANSPORT = "rjcases.broker:Transport"
    if REDIS_URL.startswith("rediss://"):
        CELERY_BROKER_USE_SSL = {"ssl_cert_reqs": ssl.CERT_REQUIRED}
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
# When Redis goes away a running sweep goes on: its rows are in PostgreSQL and it marks them there.
# Cancelling it (Celery 6's coming default) would leave its batch waiting for a lease, and what it
# had just sent unmarked: the duplicates window of docs/reminders.md.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
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
        "failed_auth": env("API_RATE_FAILED_AUTH", default="10/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "rjcases.api.pagination.KeysetPagination",
    "DEFAULT_FILTER_BACKENDS": ["rjcases.api.filters.StrictFilterBackend"],
    "DEFAULT_PARSER_CLASSES": ["rjcases.api.parsers.SafeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "rjcases.api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "rjcases.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if env.bool("BEHIND_TLS_PROXY", default=False):
    # The API's request limits count per client address, read past the same proxies as the lockout's.
    REST_FRAMEWORK["NUM_PROXIES"] = AXES_IPWARE_PROXY_COUNT
SPECTACULAR_SETTINGS = {
    "TITLE": "RJ Cases API",
    "DESCRIPTION": "Referrals, cases, conferences and agreement items of the restorative justice programme. "
    "See docs/api.md for keys, errors, safe retries, concurrency and pagination.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    # No badge from the public validator: the Content-Security-Policy allows no other origin.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rjcases.api.schema.refuse_nul",
        "rjcases.api.schema.add_links",
    ],
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
        "WebhookEventEnum": "reminders.models.WebhookEvent",
        "DeliveryStatusEnum": "reminders.models.DeliveryStatus",
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
