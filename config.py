"""Settings, read once from the environment.

Every setting has a development default so that `make run` works on a fresh machine;
ProductionConfig refuses to start with the default secret key or with rate limits counted in memory.
"""

import os
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = Path(os.environ.get("JOURNAL_INSTANCE_PATH", ROOT / "instance"))
DEFAULT_SECRET_KEY = "development-only-secret-key-change-me"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'journal.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    STORAGE_URL = os.environ.get("STORAGE_URL", (INSTANCE / "storage").as_uri())
    # smtp://user:password@host:587?starttls=true or smtps://…; unset: mails are logged and kept.
    MAIL_URL = os.environ.get("MAIL_URL", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "IDSEA Journals <no-reply@journals.idsea.example>")
    MAIL_MAX_ATTEMPTS = _int("MAIL_MAX_ATTEMPTS", 8)
    MAIL_RETRY_BASE_SECONDS = _int("MAIL_RETRY_BASE_SECONDS", 60)
    # How long a worker holds the messages it claimed; a killed worker's return to the queue after it.
    # Longer than the SMTP timeout (MAIL_URL's ?timeout=, 20 s by default), or a message may go twice.
    MAIL_LEASE_SECONDS = _int("MAIL_LEASE_SECONDS", 300)
    # Links in mails are built from this, never from the request's Host header.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    PLATFORM_NAME = os.environ.get("PLATFORM_NAME", "IDSEA Journals")
    MAX_CONTENT_LENGTH = _int("MAX_UPLOAD_MB", 100) * 1024 * 1024
    UPLOAD_FILE_MAX_MB = _int("UPLOAD_FILE_MAX_MB", 50)
    DOWNLOAD_URL_SECONDS = _int("DOWNLOAD_URL_SECONDS", 300)
    # A PDF is parsed in a child process with these limits on memory and wall-clock time.
    PDF_MEMORY_MB = _int("PDF_MEMORY_MB", 1024)
    PDF_SECONDS = _int("PDF_SECONDS", 30)
    # A LaTeX source is compiled (latexmk, LaTeXML) in a bubblewrap sandbox with these limits (journal/latex/
    # sandbox.py Limits.from_config): processor seconds and address space per process, bytes written in its
    # work folder (per file and in all), wall-clock seconds for the whole run (then its process group is killed),
    # processes and open files. An upload's archive may unpack to at most LATEX_ARCHIVE_FILES files and
    # LATEX_ARCHIVE_MB megabytes (journal/latex/archive.py).
    LATEX_CPU_SECONDS = _int("LATEX_CPU_SECONDS", 60)
    LATEX_MEMORY_MB = _int("LATEX_MEMORY_MB", 1024)
    LATEX_OUTPUT_MB = _int("LATEX_OUTPUT_MB", 50)
    LATEX_WALL_SECONDS = _int("LATEX_WALL_SECONDS", 120)
    LATEX_PROCESSES = _int("LATEX_PROCESSES", 64)
    LATEX_OPEN_FILES = _int("LATEX_OPEN_FILES", 256)
    LATEX_ARCHIVE_FILES = _int("LATEX_ARCHIVE_FILES", 500)
    LATEX_ARCHIVE_MB = _int("LATEX_ARCHIVE_MB", 200)
    EMAIL_TOKEN_HOURS = _int("EMAIL_TOKEN_HOURS", 48)
    PASSWORD_RESET_MINUTES = _int("PASSWORD_RESET_MINUTES", 60)
    PASSWORD_MIN_LENGTH = _int("PASSWORD_MIN_LENGTH", 10)
    # Registering an address that has an account mails its owner at most once in this many minutes.
    REGISTRATION_NOTICE_MINUTES = _int("REGISTRATION_NOTICE_MINUTES", 15)
    REMEMBER_COOKIE_DAYS = _int("REMEMBER_COOKIE_DAYS", 30)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    FORCE_HTTPS = False
    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch still submits; the token is bound to the session
    # Where the limits below are counted; memory:// (one process, as `make run`) only in development: each
    # gunicorn worker would count on its own. Production needs a shared store such as redis://host:6379/0.
    RATELIMIT_STORAGE_URL = os.environ.get("RATELIMIT_STORAGE_URL", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Attempts per client address on login, registration and password-reset forms.
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per minute;60 per hour")
    # Requests per personal access token to the JSON API (journal/web/api/auth.py); anonymous reads are not counted
    # (like the reader's pages, they come from the page cache).
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300 per minute")
    PROXY_FIX_HOPS = _int("PROXY_FIX_HOPS", 0)
    # Where views and downloads wait to be counted (journal/usage_buffer.py): redis://host:6379/0 when several app
    # servers share it; else files under <instance>/usage (file:///path to choose another folder).
    USAGE_BUFFER_URL = os.environ.get("USAGE_BUFFER_URL", "")
    # The page cache for anonymous readers (journal/page_cache.py): memory:// in this process (`make run`), a
    # redis://host:6379/1 shared by every app server in production, `none` for no cache. PAGE_CACHE_SECONDS bounds
    # an entry's life; changes drop the pages they touch at once.
    PAGE_CACHE_URL = os.environ.get("PAGE_CACHE_URL", "memory://")
    PAGE_CACHE_SECONDS = _int("PAGE_CACHE_SECONDS", 3600)
    # The job queue (journal/jobs.py): redis://host:6379/2 shared by every node in production; memory:// keeps it
    # in this process (`make run`). A worker silent for JOBS_HEARTBEAT_SECONDS is taken for dead and its
    # unfinished jobs go back on the queue for another.
    JOBS_URL = os.environ.get("JOBS_URL", "memory://")
    JOBS_HEARTBEAT_SECONDS = _int("JOBS_HEARTBEAT_SECONDS", 60)
    # Per million queue commands, how many also look for dead workers. Dramatiq's default, 1000, left a killed
    # worker's job waiting for many minutes in the soak; the look is one small Lua script over the heartbeats.
    JOBS_MAINTENANCE_CHANCE = _int("JOBS_MAINTENANCE_CHANCE", 100_000)
    # A directory: registers the harmless `probe` job that notes its runs there (tests, the cluster soak).
    JOBS_PROBE = os.environ.get("JOBS_PROBE", "")
    # For measuring (scripts/bench_pages.py): each response names its SQL statements in X-SQL-Statements and
    # X-SQL-Writes (journal/sql_count.py). Off by default, and then nothing is installed.
    JOURNAL_COUNT_SQL = os.environ.get("JOURNAL_COUNT_SQL", "") == "1"
    # Flask-Compress: Brotli or gzip, as the browser accepts (every browser reads both; zstd and deflate left out).
    # Streamed bodies (file downloads) are never compressed; PDFs and zips are not on its list of types.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_STREAMS = False
    # Sign-in with ORCID (journal/orcid.py): the client's id and secret from ORCID's developer tools, and which
    # ORCID: `production` (orcid.org), `sandbox` (sandbox.orcid.org) or any OpenID Connect issuer's URL (the tests'
    # provider). Without an id and a secret the ORCID buttons are absent and its routes answer 404.
    ORCID_CLIENT_ID = os.environ.get("ORCID_CLIENT_ID", "")
    ORCID_CLIENT_SECRET = os.environ.get("ORCID_CLIENT_SECRET", "")
    ORCID_BASE_URL = os.environ.get("ORCID_BASE_URL", "production")
    # Review credit on ORCID records (services/orcid_credit.py). With the member API's URL (https://api.orcid.org,
    # https://api.sandbox.orcid.org; the client above must then be a member API client), signing in and linking ask
    # for the /activities/update scope and the reviews a reviewer agreed to are added to their record; without it
    # the record is prepared for them to download. The convening organization ORCID asks for is the publisher:
    # its city and country (ISO 3166 code), and its identifier where it has one (ROR's https://ror.org/… URL, or a
    # RINGGOLD, GRID, FUNDREF or LEI identifier, with its source).
    ORCID_MEMBER_API_URL = os.environ.get("ORCID_MEMBER_API_URL", "")
    ORCID_ORGANIZATION_CITY = os.environ.get("ORCID_ORGANIZATION_CITY", "")
    ORCID_ORGANIZATION_REGION = os.environ.get("ORCID_ORGANIZATION_REGION", "")
    ORCID_ORGANIZATION_COUNTRY = os.environ.get("ORCID_ORGANIZATION_COUNTRY", "")
    ORCID_ORGANIZATION_ID = os.environ.get("ORCID_ORGANIZATION_ID", "")
    ORCID_ORGANIZATION_ID_SOURCE = os.environ.get("ORCID_ORGANIZATION_ID_SOURCE", "ROR")
    COMPRESS_BR_LEVEL = 5  # about 1 ms for 50 KB, and within 2% of level 6; 9 costs ten times more for 3%


def _redis_only(url: str | None) -> str:
    return url if url and url.startswith(("redis://", "rediss://", "unix://")) else ""


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    FORCE_HTTPS = os.environ.get("FORCE_HTTPS", "1") == "1"
    # The page cache shares the rate limits' Redis unless told otherwise; memory:// is refused (check below).
    PAGE_CACHE_URL = os.environ.get("PAGE_CACHE_URL") or os.environ.get("RATELIMIT_STORAGE_URL", "none")
    # The job queue shares the rate limits' Redis unless told otherwise (its keys are under journal-jobs:).
    JOBS_URL = os.environ.get("JOBS_URL") or os.environ.get("RATELIMIT_STORAGE_URL", "memory://")
    # Views and downloads wait in the rate limits' Redis unless told otherwise (a list, journal:usage): files on
    # each app server would be flushed only where the flush job happens to run. On the page cache's Redis server
    # a cached article page's view is appended by the lookup itself.
    USAGE_BUFFER_URL = os.environ.get("USAGE_BUFFER_URL") or _redis_only(os.environ.get("RATELIMIT_STORAGE_URL"))

    @classmethod
    def check(cls, settings: Mapping | None = None) -> None:
        """Refuse to start with settings that are only safe on a developer's machine (the app's own settings,
        or else this class's)."""
        if settings is None:
            settings = {name: getattr(cls, name) for name in dir(cls) if name.isupper()}
        secret_key = settings.get("SECRET_KEY") or ""
        if secret_key == DEFAULT_SECRET_KEY or len(secret_key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        limits_store = settings.get("RATELIMIT_STORAGE_URI") or settings.get("RATELIMIT_STORAGE_URL") or ""
        if not limits_store or limits_store.startswith("memory://"):
            raise RuntimeError(
                "RATELIMIT_STORAGE_URL must name a store that every app server and worker shares in production, "
                "such as redis://host:6379/0: with memory:// each worker counts login attempts on its own, so "
                "the advertised limit does not hold."
            )
        if (settings.get("JOBS_URL") or "memory://").startswith("memory://"):
            raise RuntimeError(
                "JOBS_URL must be a Redis every node shares in production, such as redis://host:6379/2: with "
                "memory:// each process keeps its own queue, and a job queued on a node that stops is lost."
            )
        if (settings.get("PAGE_CACHE_URL") or "").startswith("memory://"):
            raise RuntimeError(
                "PAGE_CACHE_URL must be a store every app server shares in production, such as redis://host:6379/1, "
                "or none: with memory:// a correction or retraction would reach only the worker that made it, and "
                "the others would go on serving the old page."
            )


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key"
    WTF_CSRF_ENABLED = False
    MAIL_URL = ""
    PASSWORD_HASH_FAST = True  # argon2 with small costs: the suite runs hundreds of logins
    RATELIMIT_ENABLED = False  # switched on by the tests of the limits themselves
    ORCID_MEMBER_API_URL = ""
    ORCID_CLIENT_ID = ORCID_CLIENT_SECRET = ""  # the ORCID tests configure their own provider (tests/test_orcid.py)


CONFIGS = {"development": Config, "production": ProductionConfig, "test": TestConfig}


def from_environment() -> type[Config]:
    name = os.environ.get("JOURNAL_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"JOURNAL_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
