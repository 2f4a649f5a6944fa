"""Settings for the GPT Action backend.

Every value comes from the environment; the defaults are safe and need no setup.
See the configuration table in README.md.
"""

from __future__ import annotations

import os
import secrets
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / "data"
DATA_DIR.mkdir(exist_ok=True)

env = environ.Env()
# A local checkout keeps its settings in .env (`make run` writes one); real deployments use the environment.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# GENERAL ----------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _secret_key() -> str:
    key = env.str("DJANGO_SECRET_KEY", default="")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string "
            '(python -c "import secrets; print(secrets.token_urlsafe(50))"), '
            "or run locally with DJANGO_DEBUG=1, which keeps a generated key in data/."
        )
    # Local runs keep one generated key so that sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

# The https address ChatGPT reaches (a tunnel or a real domain); empty means "the request's own host".
# The apps read it through gptactions.public_url; here it only opens the host and origin.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="").rstrip("/")
if PUBLIC_BASE_URL and urlsplit(PUBLIC_BASE_URL).scheme not in ("http", "https"):
    raise ImproperlyConfigured(f"PUBLIC_BASE_URL must start with https:// (got {PUBLIC_BASE_URL!r}).")
_public_host = urlsplit(PUBLIC_BASE_URL).hostname if PUBLIC_BASE_URL else None

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
if _public_host:
    ALLOWED_HOSTS.append(_public_host)
    CSRF_TRUSTED_ORIGINS.append(PUBLIC_BASE_URL)

TIME_ZONE = "UTC"
USE_TZ = True
LANGUAGE_CODE = "en"
USE_I18N = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# APPS -------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "gptactions",
    "gptcalllog",
    "gptsetup",
    "oauthconsent",  # before oauth2_provider: its templates override DOT's
    "oauth2_provider",
    "tunnels",
    "gptmcp",  # MCP: the registered resources' tools over Streamable HTTP (/mcp) and stdio (manage.py mcp)
    "items",  # the worked example: one resource registered with gptactions
]
# More apps, comma-separated (the test suite adds its second resource, tests.notes, this way).
INSTALLED_APPS += env.list("DJANGO_EXTRA_APPS", default=[])

# MIDDLEWARE -------------------------------------------------------------------
MIDDLEWARE = [
    # /healthz answers a load balancer's or loopback probe whatever Host it names (config/health.py).
    "config.health.HealthCheckMiddleware",
    # The API's paths (DRF views that read no session) skip the browser-only middleware below
    # (config/api_paths.py's BROWSER_ONLY); everything else listed here runs for them too.
    "config.api_paths.ApiPathsMiddleware",
    # A database that does not answer: 503 with Retry-After and one log line per outage, not a 500 per call.
    "gptactions.unavailable.DatabaseUnavailableMiddleware",
    "config.middleware.SecureCookiesOverHttpsMiddleware",  # sees every cookie set below
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.LocaleMiddleware",  # Django's, and no language outlives its page
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gptactions.middleware.ContentSecurityPolicyMiddleware",  # a CSP on every HTML page without its own
]

# DATABASES --------------------------------------------------------------------


def _database() -> dict[str, object]:
    url = env.str("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}")
    fix = "Use postgres://USER:PASSWORD@HOST:5432/NAME, or sqlite:////absolute/path/db.sqlite3 (or unset it)."
    try:
        with warnings.catch_warnings():  # django-environ's warning would print the password
            warnings.simplefilter("ignore")
            config = env.db_url_config(url)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed ({exc}). {fix}") from None
    # django-environ takes an unknown scheme (mysqlx://, redis://) for an ENGINE path as it is; Django would
    # then fail to import it, saying "Check the above exception" with nothing above (issue 21).
    scheme = urlsplit(url).scheme
    if not config.get("ENGINE") or scheme not in environ.Env.DB_SCHEMES:
        problem = f"its scheme {scheme}:// names no database" if scheme else "it has no scheme such as postgres://"
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {problem}. {fix}")
    return config


DATABASES = {"default": _database()}
# Opening a connection per request costs about a millisecond; keep them.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=600)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several server processes write to one file: WAL lets readers run beside the writer,
    # IMMEDIATE takes the write lock up front (no deadlock on upgrade), and writers wait
    # instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# CACHES -----------------------------------------------------------------------
# The rate limit counts live here. One process: the default is enough. Several worker processes
# (gunicorn -w N): set CACHE_URL=redis://127.0.0.1:6379/0 so that they share one count.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Several deployments (or test runs) sharing one Redis keep apart by a prefix.
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="")

# SECURITY ---------------------------------------------------------------------
if env.bool("DJANGO_TRUST_PROXY", default=False):
    # Only behind a proxy that sets this header itself (a tunnel, a load balancer).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
# Cookies are Secure on every https request anyway (config.middleware); this makes them Secure always.
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Sent on https responses only (SecurityMiddleware); 0 sends none. Start small: browsers remember it.
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# SIGN-IN LOCKOUTS (django-axes) ------------------------------------------------
# Both sign-in pages (/oauth/login/ and /admin/login/) count failures per username and, separately,
# per address; past the limit that username or address is refused (429) until the lockout expires.
# Attempts live in the database, so every instance behind a load balancer sees the same lockouts, and
# the admin lists them (Axes > Access attempts; deleting one unlocks).
INSTALLED_APPS.append("axes")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as axes asks
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("SIGNIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGNIN_LOCKOUT_MINUTES", default=15))
# A username is locked out from the address that failed with it, never from everywhere (a stranger's 10 wrong
# passwords from 10 addresses would lock the real user out, issue 21 finding 6); an address that fails with any
# usernames is locked out on its own.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lockout ends when it said it would
AXES_LOCKOUT_CALLABLE = "oauthconsent.views.signin_locked_out"
AXES_DISABLE_ACCESS_LOG = True  # failures are enough; no table of every successful sign-in
AXES_VERBOSE = False  # no start-up banner; lockouts are still logged
if env.bool("DJANGO_TRUST_PROXY", default=False):
    # The proxy appends the address it saw; the right-most entry is the one a client cannot forge. Every
    # limit asks axes for the address (issue 21, finding 1); a dotted path, as settings import no app.
    AXES_CLIENT_IP_CALLABLE = "gptactions.client_address.forwarded_client_address"

# Django's hashers for passwords, then a fast one for OAuth client secrets (long and random: see
# oauthconsent/hashers.py); OAUTH2_PROVIDER["CLIENT_SECRET_HASHER"] picks it.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "oauthconsent.hashers.ClientSecretSHA256Hasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# TEMPLATES --------------------------------------------------------------------
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

# STATIC -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Serve app static files straight from their apps, so the admin works with DEBUG off
# even before anyone has run collectstatic.
WHITENOISE_USE_FINDERS = True

# REST FRAMEWORK ---------------------------------------------------------------
REST_FRAMEWORK = {
    # Views choose their own: ItemViewSet takes the API-key styles enabled above.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["gptactions.parsers.BoundedJSONParser"],  # 413 or 400 for bodies too big or deep
    "DEFAULT_PAGINATION_CLASS": "gptactions.pagination.ActionPagination",
    "COERCE_DECIMAL_TO_STRING": False,
}

# OAUTH ------------------------------------------------------------------------
# GPT clients sign users in with the authorization-code flow (oauthconsent/, django-oauth-toolkit).
OAUTH2_PROVIDER = {
    # The scopes the registered resources need (gptactions.site); asking for none grants all.
    "SCOPES_BACKEND_CLASS": "gptactions.scopes.RegisteredScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_ACCESS_TOKEN_SECONDS", default=3600),
    # Idle lifetime: a refresh token dies this long after its last access token expired (and
    # `cleartokens` may then delete it). ChatGPT refreshes by itself, so active users never notice.
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("OAUTH_REFRESH_TOKEN_SECONDS", default=30 * 24 * 3600),
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,  # a replayed old refresh token revokes its whole family
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,  # hashed token storage requires it
    # PKCE_REQUIRED stays DOT's default (True): the validator's is_pkce_required narrows it to public
    # clients, since GPT Actions are confidential and send no PKCE.
    # "auto": a returning user who already granted the same scopes is not asked again.
    "REQUEST_APPROVAL_PROMPT": "auto" if env.bool("OAUTH_REMEMBER_CONSENT", default=True) else "force",
    "OAUTH2_VALIDATOR_CLASS": "oauthconsent.oauth.GptOAuth2Validator",
    # SHA-256 for client secrets (oauthconsent/hashers.py); older PBKDF2 ones are re-hashed on next use.
    "CLIENT_SECRET_HASHER": "client_secret_sha256",
    "OAUTH2_SERVER_CLASS": "oauthconsent.oauth.GptServer",
    "APPLICATION_ADMIN_CLASS": "oauthconsent.admin.GptClientAdmin",
    # RFC 8414 metadata and the RFC 9207 `iss` use the public address; empty means the request's host.
    "OIDC_ISS_ENDPOINT": PUBLIC_BASE_URL,
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    # RFC 9700 switches. http redirect URIs stay allowed at the protocol level; the GPT client
    # admin accepts http only for localhost and 127.0.0.1.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,  # only SHA-256 checksums of tokens are stored
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
# MCP clients (ChatGPT apps, Claude connectors) register themselves (RFC 7591) when this is on: anyone
# may then register a client (authorization code with PKCE only, rate-limited; oauthconsent/registration.py).
OAUTH2_PROVIDER["DCR_ENABLED"] = env.bool("OAUTH_DYNAMIC_REGISTRATION", default=False)
OAUTH2_PROVIDER["DCR_REGISTRATION_PERMISSION_CLASSES"] = ("oauth2_provider.dcr.AllowAllDCRPermission",)
# MCP clients may name a client ID metadata document (an https URL) as their client_id; DOT fetches it with
# its SSRF-hardened fetcher (public addresses only, no redirects, a size cap, failure back-off) and keeps the
# client as a public one, held to PKCE. ChatGPT uses it when the metadata says so, Claude when `none` is
# among the token endpoint's auth methods; otherwise both fall back to registration (above).
OAUTH2_PROVIDER["CIMD_ENABLED"] = env.bool("OAUTH_CLIENT_METADATA_DOCUMENTS", default=True)
# The sign-in page of the OAuth flow (the admin keeps its own).
LOGIN_URL = "oauthconsent:login"
LOGIN_REDIRECT_URL = "oauthconsent:connected"
# The consent pages speak the browser's language (Accept-Language, through LocaleMiddleware).
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]

# APPS' OWN SETTINGS -----------------------------------------------------------
# One dict per package (django-oauth-toolkit's OAUTH2_PROVIDER is the model). Each package's conf.py owns the
# defaults and their meaning, reads its dict through one accessor (gptactions.settings_namespace) and checks it
# (`manage.py check`). Each key is the environment variable of the same name (the README's tables list them);
# a variable that is unset or empty leaves the key out, so the default applies.


def _named(values: dict[str, object]) -> dict[str, object]:
    """The values the environment names (django-environ reads an unset or empty variable as None)."""
    return {name: value for name, value in values.items() if value is not None}


# gptactions/conf.py: auth styles, the custom header, throttles, the credential memory, the schema's switches.
GPT_ACTIONS = _named(
    {
        "API_AUTH_STYLES": env.list("API_AUTH_STYLES", default=None),
        "API_KEY_HEADER": env.str("API_KEY_HEADER", default=None),
        # An empty rate turns the limit off, as set (env.str would read "" as unset, hence os.environ).
        "API_THROTTLE_RATE": os.environ.get("API_THROTTLE_RATE"),
        "API_FAILED_AUTH_RATE": os.environ.get("API_FAILED_AUTH_RATE"),
        # Where the server processes share the limits without Redis; empty: each process counts alone.
        "RATE_LIMIT_FILE": os.environ.get("RATE_LIMIT_FILE", str(DATA_DIR / "ratelimits.sqlite3")),
        # Speed (issue 9): how long a verified key or token is trusted.
        "API_AUTH_CACHE_SECONDS": env.float("API_AUTH_CACHE_SECONDS", default=None),
        "GPT_CREATE_IS_CONSEQUENTIAL": env.bool("GPT_CREATE_IS_CONSEQUENTIAL", default=None),
        "GPT_UPDATE_IS_CONSEQUENTIAL": env.bool("GPT_UPDATE_IS_CONSEQUENTIAL", default=None),
        # The same address as PUBLIC_BASE_URL above, which only opens the host and origin (and DOT's issuer).
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL or None,
    }
)
# oauthconsent/conf.py: the refresh grace window and the failed client-authentication limit.
OAUTH_CONSENT = _named(
    {
        "OAUTH_REFRESH_GRACE_SECONDS": env.int("OAUTH_REFRESH_GRACE_SECONDS", default=None),
        "OAUTH_CLIENT_AUTH_RATE": env.str("OAUTH_CLIENT_AUTH_RATE", default=None),
    }
)
# gptmcp/conf.py: OpenAI's domain verification token for a ChatGPT app.
GPT_MCP = _named({"OPENAI_APPS_CHALLENGE": env.str("OPENAI_APPS_CHALLENGE", default=None)})
# tunnels/conf.py: the tunnel backend and the ngrok agent.
TUNNELS = _named(
    {
        "TUNNELS_BACKEND": env.str("TUNNELS_BACKEND", default=None),
        "NGROK_AUTHTOKEN": env.str("NGROK_AUTHTOKEN", default=None),
        "NGROK_DOMAIN": env.str("NGROK_DOMAIN", default=None),
        "NGROK_PATH": env.str("NGROK_PATH", default=None),
        "NGROK_CONFIG_PATH": env.str("NGROK_CONFIG_PATH", default=None),
    }
)

# CALL LOG ---------------------------------------------------------------------
# Every API call, for the admin's call log and `manage.py calls --follow` (gptcalllog/conf.py has the
# defaults): CALL_LOG=off records nothing; calls older than CALL_LOG_DAYS are pruned as the log is written.
GPT_CALL_LOG = _named(
    {
        "CALL_LOG": env.bool("CALL_LOG", default=None),
        "CALL_LOG_DAYS": env.int("CALL_LOG_DAYS", default=None),
        "CALL_LOG_FLUSH_SECONDS": env.float("CALL_LOG_FLUSH_SECONDS", default=None),
        "CALL_LOG_BATCH_SIZE": env.int("CALL_LOG_BATCH_SIZE", default=None),
        "CALL_LOG_ANONYMOUS_ROWS_PER_MINUTE": env.int("CALL_LOG_ANONYMOUS_ROWS_PER_MINUTE", default=None),
    }
)

# SCHEMA -----------------------------------------------------------------------
# drf-spectacular's AutoSchema, with the operationIds the registrations give (gptactions.site).
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "gptactions.schema.ActionAutoSchema"
SPECTACULAR_SETTINGS = {
    "TITLE": "Items",
    "DESCRIPTION": (
        "Keeps the signed-in user's list of items, each with a name, a description, a price and an optional tax. "
        "Call it whenever the user asks what items they have, or wants to add, change or remove one."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    # Request bodies leave out read-only fields (id, timestamps): the model sends only what it may set.
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "GET_MOCK_REQUEST": "gptactions.schema.build_mock_request",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "gptactions.schema.postprocess_for_gpt_actions",
    ],
    # Served by the project itself (no CDN: a server may have no internet).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# LOGGING ----------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "filters": {"without_traceback": {"()": "gptactions.log_filters.WithoutTraceback"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's default config gives its logger a console handler of its own under DEBUG; without this its
        # lines would print twice (there and at the root). django.server keeps its own handler (runserver's format).
        "django": {"handlers": [], "propagate": True},
        # MCP: the SDK logs the start and end of its per-request transport on every /mcp call
        # ("Terminating session: None" from the transport itself, issue 19).
        "mcp.server.streamable_http_manager": {"level": "WARNING"},
        "mcp.server.streamable_http": {"level": "WARNING"},
        # A request with a Host header not in ALLOWED_HOSTS: one line each, not a traceback each.
        "django.security.DisallowedHost": {"filters": ["without_traceback"]},
    },
}

# No secret in any log, whatever DJANGO_LOG_LEVEL says (issue 10): oauthlib and DOT print codes and
# tokens at DEBUG, and with DEBUG on the SQL log shows parameters, among them authorization codes.
LOGGING.setdefault("loggers", {}).update(
    {name: {"level": "INFO"} for name in ("oauthlib", "oauth2_provider", "django.db.backends")}
)
# django-axes: failed sign-ins and lockouts (WARNING), not a line for every successful sign-in (INFO).
LOGGING["loggers"]["axes"] = {"level": "WARNING"}

# TESTS ------------------------------------------------------------------------
TEST_RUNNER = "config.test_runner.PytestTestRunner"
