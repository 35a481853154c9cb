"""The journal system's application factory."""

import logging
from collections.abc import Mapping

from flask import Flask
from werkzeug.routing import IntegerConverter

from config import INSTANCE, ProductionConfig, from_environment
from werkzeug.middleware.proxy_fix import ProxyFix

from journal import request_ids, security_headers
from journal.extensions import compress, db, init_csrf, init_limiter, login_manager, migrate
from journal.storage import storage_from_url

# Libraries whose INFO is chatter for us (fontTools notes every font it subsets); their warnings still show.
QUIET_LIBRARIES = ("fontTools", "fpdf")


class IdConverter(IntegerConverter):
    """Werkzeug's <int:…>, bounded by the largest id a database column holds (PostgreSQL's integer)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: type | Mapping | None = None) -> Flask:
    """Build the app. `config` is a settings class, or a mapping applied over the environment's."""
    app = Flask(__name__, template_folder="../templates", instance_path=str(INSTANCE))
    # Every <int:…> in an address is an id: one past PostgreSQL's integer is a page that does not exist (404), not a
    # query the database refuses (500).
    app.url_map.converters["int"] = IdConverter
    if config is None or isinstance(config, Mapping):
        app.config.from_object(from_environment())
        app.config.update(config or {})
    else:
        app.config.from_object(config)
    if app.config.get("ENV_NAME") == "production":
        ProductionConfig.check(app.config)
    request_ids.install_log_records()
    logging.basicConfig(level=logging.INFO, format=request_ids.LOG_FORMAT)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)

    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["RATELIMIT_STORAGE_URL"])

    # First, so that it runs after every other after_request hook: it compresses the finished response.
    compress.init_app(app)
    db.init_app(app)
    init_limiter(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    init_csrf(app)
    login_manager.init_app(app)
    from journal import orcid

    orcid.init_app(app)
    # The security headers (CSP, framing, HSTS, the HTTPS redirect), each route's worked out once; the ORCID buttons'
    # forms may go on to ORCID.
    security_headers.init_app(app, form_action=orcid.form_action_origin(app.config))
    if app.config["STORAGE_URL"].startswith("file://"):
        INSTANCE.mkdir(parents=True, exist_ok=True)
    app.extensions["journal.storage"] = storage_from_url(app.config["STORAGE_URL"], app.config["SECRET_KEY"])

    from journal import auth_setup, cli, i18n, jobs, markup, page_cache, sql_count, static_files, web
    from journal.templating import setup_templating

    request_ids.init_app(app)
    auth_setup.init_app(app)
    i18n.init_app(app)
    setup_templating(app)
    markup.init_app(app)
    static_files.init_app(app)
    web.register(app)
    cli.register(app)
    jobs.init_app(app)
    # Anonymous readers' pages from the shared store, before Flask runs (journal/page_cache.py).
    page_cache.init_app(app)
    # Outside the page cache, so that a page from the cache reports what serving it cost (JOURNAL_COUNT_SQL).
    sql_count.init_app(app)
    if app.config["PROXY_FIX_HOPS"]:
        # Behind a load balancer: trust that many X-Forwarded-For/-Proto hops for client address and scheme.
        # Outermost, so that the page cache's key and the usage counts see the reader's scheme and address.
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)
    return app
