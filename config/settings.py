"""One env-driven settings file. Every variable is listed in `.env.example`."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from saohei.common.keyfiles import (
    create_private_directory,
    parse_data_keys,
    read_or_create_data_keys,
    read_or_create_secret_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SAOHEI_VAR_DIR", BASE_DIR / "var")).resolve()
# Every process (gunicorn, db_worker, manage.py) loads this file first: whatever it creates —
# the SQLite file and its WAL, uploads, key files, a briefing written with --output — is
# readable by the service account only. Static files opt back in below.
os.umask(0o077)
create_private_directory(VAR_DIR)
SAOHEI_ENV = os.environ.get("SAOHEI_ENV", "development")
IS_PRODUCTION = SAOHEI_ENV == "production"


def _required_in_production(name: str) -> str | None:
    value = os.environ.get(name)
    if IS_PRODUCTION and not value:
        raise ImproperlyConfigured(f"SAOHEI_ENV=production 时必须设置环境变量 {name}")
    return value


# Development and test generate their secrets once into var/; production must be given them.
SECRET_KEY = _required_in_production("SAOHEI_SECRET_KEY") or read_or_create_secret_file(
    VAR_DIR / "secret_key", nbytes=32
)
_data_key = _required_in_production("SAOHEI_DATA_KEY")
SAOHEI_DATA_KEYS = (
    parse_data_keys(_data_key)
    if _data_key
    else read_or_create_data_keys(VAR_DIR / "data_keys.json")
)
SAOHEI_AUDIT_KEY = bytes.fromhex(
    _required_in_production("SAOHEI_AUDIT_KEY")
    or read_or_create_secret_file(VAR_DIR / "audit_key", nbytes=32)
)
# Signed checkpoints of the audit chain's head (append-only, 0600 in a 0700 directory): kept
# outside the database so that its owner cannot delete the newest events unnoticed.
SAOHEI_AUDIT_CHECKPOINT_FILE = Path(
    os.environ.get("SAOHEI_AUDIT_CHECKPOINT_FILE", VAR_DIR / "audit" / "checkpoints.log")
)

# Blind-index key for exact matching of encrypted identifiers; it never rotates with the data key.
SAOHEI_INDEX_KEY = bytes.fromhex(
    _required_in_production("SAOHEI_INDEX_KEY")
    or read_or_create_secret_file(VAR_DIR / "index_key", nbytes=32)
)

# SM4 key of the backup files: never a data, index or audit key, and never inside a backup.
SAOHEI_BACKUP_KEY = bytes.fromhex(
    _required_in_production("SAOHEI_BACKUP_KEY")
    or read_or_create_secret_file(VAR_DIR / "backup_key", nbytes=16)
)
if len(SAOHEI_BACKUP_KEY) != 16:
    raise ImproperlyConfigured("SAOHEI_BACKUP_KEY 应为 32 位十六进制（SM4 密钥）")
SAOHEI_BACKUP_DIR = Path(os.environ.get("SAOHEI_BACKUP_DIR", VAR_DIR / "backups"))

DEBUG = os.environ.get("SAOHEI_DEBUG", "false").lower() == "true" and not IS_PRODUCTION
ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("SAOHEI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("SAOHEI_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]


def _trusted_proxy_count() -> int:
    # The old yes/no switch trusted the client-written first hop; refuse it rather than guess.
    if os.environ.get("SAOHEI_TRUST_PROXY", "").strip().lower() not in ("", "false"):
        raise ImproperlyConfigured(
            "SAOHEI_TRUST_PROXY 已停用：请改为设置 SAOHEI_TRUSTED_PROXY_COUNT"
            "（本站前面的反向代理层数，只有一层 nginx 时为 1），并删除 SAOHEI_TRUST_PROXY"
        )
    value = os.environ.get("SAOHEI_TRUSTED_PROXY_COUNT", "0").strip() or "0"
    if not value.isdigit() or not value.isascii():
        raise ImproperlyConfigured(
            f"SAOHEI_TRUSTED_PROXY_COUNT 应为 0 或正整数（反向代理层数），现为 {value!r}"
        )
    return int(value)


# How many reverse proxies stand in front of gunicorn, each appending to X-Forwarded-For; 0 (the
# default, `make run`) ignores the header, since a client reaching gunicorn directly writes it.
SAOHEI_TRUSTED_PROXY_COUNT = _trusted_proxy_count()

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "template_partials",
    "saohei.common",
    "saohei.health",
    "saohei.audit",
    "saohei.organisations",
    "saohei.accounts",
    "saohei.workdays",
    "saohei.notifications",
    "saohei.sheets",
    "saohei.vault",
    "saohei.deadlines",
    "saohei.leads",
    "saohei.cases",
    "saohei.assigned_lists",
    "saohei.city_assignments",
    "saohei.tips",
    "saohei.rectifications",
    "saohei.accountability",
    "saohei.inspections",
    "saohei.meetings",
    "saohei.publicity",
    "saohei.village_reports",
    "saohei.analysis",
    "saohei.reports",
    "saohei.briefings",
    "saohei.portal",
    "saohei.custody",
    "saohei.api",
    "saohei.home",
    "saohei.backups",
    "saohei.jobs",
    "saohei.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but one: whatever answers a refusal under /api/, the client reads the error shape.
    "saohei.api.middleware.ApiErrorShapeMiddleware",
    "saohei.common.middleware.SecurityHeadersMiddleware",
    "saohei.portal.middleware.PortalHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "saohei.accounts.middleware.AccountPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "saohei.home.context_processors.navigation",
                "saohei.accounts.context_processors.idle_timer",
            ],
            # `safe_date` in every template: a stored date that cannot be shown is marked.
            "builtins": ["saohei.common.templatetags.safe_dates"],
        },
    },
]

_database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'saohei.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(_database_url)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed while one writer commits; IMMEDIATE takes the write lock at
        # BEGIN so that the audit chain never forks between two concurrent writers.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("SAOHEI_CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Trigram search on Chinese needs a UTF-8 ctype; template0 lets the locale be chosen.
    DATABASES["default"]["TEST"] = {"CHARSET": "UTF8", "TEMPLATE": "template0"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organisations.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:index"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "saohei.accounts.passwords.PolicyPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 12 * 60 * 60  # hard ceiling; the idle timeout is enforced per request
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = os.environ.get("SAOHEI_SSL_REDIRECT", "true").lower() == "true"
    SECURE_HSTS_SECONDS = int(os.environ.get("SAOHEI_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = VAR_DIR / "uploads"
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
        # The vendored scripts and styles are public, and a proxy may serve them directly.
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}
# Files are not collected in tests; serve them from the finders instead.
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
if not IS_PRODUCTION:
    STATIC_ROOT.mkdir(exist_ok=True)

# The public portal's rate limits and challenge nonces live here, so every gunicorn worker and
# app server must see the same cache: Redis when SAOHEI_REDIS_URL is set, else a database table
# (`manage.py createcachetable`, which `make run` runs). Per-process memory would multiply limits.
_redis_url = os.environ.get("SAOHEI_REDIS_URL", "").strip()
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis_url}
        if _redis_url
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "saohei_cache",
            # Django culls a third of the table past 300 entries; a crowd of clients must not
            # wipe one guesser's counter that easily.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    )
}

# /healthz/full fails when the var directory has less free space than this (decision 0047).
SAOHEI_HEALTH_MIN_FREE_MB = int(os.environ.get("SAOHEI_HEALTH_MIN_FREE_MB", "1024"))
# …and when no task worker has reported for this long (it reports every 15 s).
SAOHEI_WORKER_STALE_SECONDS = int(os.environ.get("SAOHEI_WORKER_STALE_SECONDS", "120"))

# Requests per minute one API token may make (decision 0059); more get 429 until the minute ends.
SAOHEI_API_TOKEN_REQUESTS_PER_MINUTE = int(
    os.environ.get("SAOHEI_API_TOKEN_REQUESTS_PER_MINUTE", "120")
)

# Notices by e-mail and SMS (decision 0060). Each channel is off until its server is named; the
# texts are fixed per kind and never carry a lead's content.
_smtp_host = os.environ.get("SAOHEI_SMTP_HOST", "").strip()
SAOHEI_EMAIL_NOTICES = bool(_smtp_host)
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = _smtp_host or "localhost"
EMAIL_PORT = int(os.environ.get("SAOHEI_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("SAOHEI_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SAOHEI_SMTP_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("SAOHEI_SMTP_USE_TLS", "false").lower() == "true"
EMAIL_USE_SSL = os.environ.get("SAOHEI_SMTP_USE_SSL", "false").lower() == "true"
EMAIL_TIMEOUT = float(os.environ.get("SAOHEI_SMTP_TIMEOUT_SECONDS", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("SAOHEI_SMTP_FROM", "saohei@localhost")
# The provincial SMS platform's HTTP API: URL, credentials, the template and signature it approved.
SAOHEI_SMS_URL = os.environ.get("SAOHEI_SMS_URL", "").strip()
SAOHEI_SMS_APP_ID = os.environ.get("SAOHEI_SMS_APP_ID", "")
SAOHEI_SMS_SECRET = os.environ.get("SAOHEI_SMS_SECRET", "")
SAOHEI_SMS_TEMPLATE_ID = os.environ.get("SAOHEI_SMS_TEMPLATE_ID", "")
SAOHEI_SMS_SIGNATURE = os.environ.get("SAOHEI_SMS_SIGNATURE", "")
SAOHEI_SMS_TIMEOUT_SECONDS = float(os.environ.get("SAOHEI_SMS_TIMEOUT_SECONDS", "10"))
# A failed send is tried again after 1, 2, 4 … times this, at most this many attempts in all.
SAOHEI_NOTICE_RETRY_SECONDS = int(os.environ.get("SAOHEI_NOTICE_RETRY_SECONDS", "60"))
SAOHEI_NOTICE_MAX_ATTEMPTS = int(os.environ.get("SAOHEI_NOTICE_MAX_ATTEMPTS", "4"))

TASKS = {
    "default": {
        "BACKEND": os.environ.get("SAOHEI_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

OTP_TOTP_ISSUER = "扫黑除恶工作平台"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # SAOHEI_LOG_FORMAT=json: one JSON object a line, for a log collector (decision 0050).
        "json": {"()": "saohei.common.logs.JsonLinesFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if os.environ.get("SAOHEI_LOG_FORMAT") == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("SAOHEI_LOG_LEVEL", "INFO")},
    "loggers": {
        # django.request logs paths with client details on 4xx; keep only server errors.
        "django.request": {"level": "ERROR"},
        # WeasyPrint and fontTools narrate every PDF step at INFO (eight lines a page).
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Intranet host names cannot be on the browsers' HSTS preload list.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
CSRF_FAILURE_VIEW = "saohei.common.views.csrf_failure_view"
# 举报奖励 ceiling in yuan (Shandong practice: up to 20,000); set per province's scheme.
SAOHEI_REWARD_CAP = int(os.environ.get("SAOHEI_REWARD_CAP", "20000"))
# How long a one-time password from a reset or a new account stays usable (it works only once).
SAOHEI_ONE_TIME_PASSWORD_MINUTES = int(os.environ.get("SAOHEI_ONE_TIME_PASSWORD_MINUTES", "60"))
# How long before the idle timeout a signed-in page warns and offers 继续工作 (decision 0019).
SAOHEI_IDLE_WARNING_SECONDS = int(os.environ.get("SAOHEI_IDLE_WARNING_SECONDS", "60"))
