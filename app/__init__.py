"""The application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, g, request, session
from flask_babel import get_locale

from app import database, observability
from app.extensions import babel, compress, csrf, db, htmx, limiter, login_manager, migrate
from app.inputs import IdConverter, has_nul
from config import BASE_DIR, Config, config_from_env


def create_app(config: type[Config] | None = None, **overrides) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(BASE_DIR / "instance"),
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    app.config.from_object(config or config_from_env())
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set outside development and tests.")
    # Flask-Babel converts naive UTC to this zone when formatting.
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    Path(app.instance_path).mkdir(exist_ok=True)
    # Every <int:…> in a URL names 1..MAX_ID or nothing (404), before any blueprint.
    app.url_map.converters["int"] = IdConverter

    register_proxy(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    # Request id, JSON request log, metrics: before any hook can answer early.
    observability.init_app(app)
    register_request_hooks(app)
    register_access_records(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_proxy(app: Flask) -> None:
    """Behind PROXY_HOPS proxies, the client's address and scheme are taken from
    the X-Forwarded-For/-Proto those proxies add (the limits read the address).
    With 0 the headers are ignored, as any client can write them."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)


def warn_if_limits_in_memory(app: Flask) -> None:
    storage = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    if (
        app.config.get("WARN_LIMITS_IN_MEMORY")
        and app.config.get("RATELIMIT_ENABLED")
        and storage.startswith("memory://")
    ):
        app.logger.warning(
            "Rate limits (logins) are counted in memory: each worker and instance "
            "counts alone, so N workers allow N times each limit. Set REDIS_URL."
        )


def register_extensions(app: Flask) -> None:
    from app.i18n import install_template_gettext, select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    htmx.init_app(app)
    compress.init_app(app)
    app.config.setdefault("RATELIMIT_DEFAULT", None)
    limiter.init_app(app)
    warn_if_limits_in_memory(app)
    login_manager.init_app(app)
    from app.auth import configure_login

    configure_login(login_manager)
    with app.app_context():
        database.configure_engine(db.engine, app.config["DB_PING_AFTER_IDLE"])


def register_blueprints(app: Flask) -> None:
    from app.blueprints.account import routes as account
    from app.blueprints.auth import routes as auth
    from app.blueprints.display import routes as display
    from app.blueprints.door import routes as door
    from app.blueprints.kiosk import routes as kiosk
    from app.blueprints.ops import routes as ops
    from app.blueprints.programmes import routes as programmes
    from app.blueprints.public import routes as public
    from app.blueprints.reports import routes as reports
    from app.blueprints.staff import routes as staff
    from app.blueprints.teach import routes as teach
    from app.blueprints.welfare import routes as welfare

    app.register_blueprint(ops.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(account.bp, url_prefix="/me")
    app.register_blueprint(display.bp)
    app.register_blueprint(teach.bp, url_prefix="/teach")
    app.register_blueprint(kiosk.bp, url_prefix="/kiosk")
    app.register_blueprint(welfare.bp, url_prefix="/welfare")
    app.register_blueprint(programmes.bp, url_prefix="/programmes")
    app.register_blueprint(door.bp, url_prefix="/door")
    app.register_blueprint(staff.bp, url_prefix="/staff")
    app.register_blueprint(reports.bp, url_prefix="/staff/reports")


def register_access_records(app: Flask) -> None:
    from app.access_log import register

    register(app)


def register_errorhandlers(app: Flask) -> None:
    from app.errors import register

    register(app)


def register_request_hooks(app: Flask) -> None:
    from app import sessions
    from app.i18n import preload_wtforms_translations, remember_locale

    @app.before_request
    def _refuse_nul():
        # No one types NUL, and PostgreSQL refuses it in text: refuse it for every
        # form and query at once rather than in each field.
        if has_nul(request.args) or (request.method != "GET" and has_nul(request.form)):
            abort(400)

    @app.before_request
    def _transaction_mode():
        # SQLite: safe reads use deferred transactions; everything else takes the
        # write lock up front (see app/database.py).
        g._db_mode_token = database.set_read_only(request.method in ("GET", "HEAD"))
        # A request's session lives for that request only: after its one commit the
        # view renders what it just saved without fetching every row again. (Seat
        # counters changed by conditional UPDATEs are expired where they change.)
        db.session().expire_on_commit = False
        if request.method == "POST":
            preload_wtforms_translations()

    # Kiosk confinement and idle limit, staff session lifetimes: every request but
    # the health checks and metrics, which are for machines (app/blueprints/ops).
    @app.before_request
    def _sessions():
        return None if request.blueprint == "ops" else sessions.enforce()

    @app.teardown_request
    def _reset_transaction_mode(_exc):
        token = g.pop("_db_mode_token", None)
        if token is not None:
            database.restore_transaction_mode(token)

    @app.after_request
    def _buffer_static_files(response):
        # Runs before Flask-Compress, which gzips only whole bodies (it leaves a
        # streamed file uncompressed for gzip-only clients); our files are small.
        if request.endpoint == "static" and response.status_code == 200:
            response.direct_passthrough = False
            response.get_data()
        return response

    @app.after_request
    def _headers(response):
        remember_locale(response)
        response.vary.add("HX-Request")
        response.vary.add("Cookie")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        # No page uses the camera, microphone or location (the member card shows a
        # QR code; nothing scans one).
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if app.config["HSTS_ENABLED"]:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        # Pages of a logged-in user (pickup codes, care notes, birth dates) and the
        # login pages are never kept by a shared browser; static files keep caching.
        if request.endpoint != "static" and (
            "_user_id" in session or request.endpoint in sessions.LOGIN_ENDPOINTS
        ):
            response.headers["Cache-Control"] = "no-store"
        return response


def register_template_helpers(app: Flask) -> None:
    from app import formatting, sessions
    from app.notice_texts import notice_text
    from app.row_urls import row_url

    app.jinja_env.globals.update(
        get_locale=get_locale,
        when=formatting.when,
        when_day=formatting.when_day,
        notice_text=notice_text,
        at_kiosk=sessions.at_kiosk,
        row_url=row_url,
    )
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def _inject():
        from flask_login import current_user

        from app.services.messaging.notices import unread_count

        # Counted only if a page shows the badge (fragments do not), and not on the
        # page saying the database is away (app/errors.py).
        counted = current_user.is_authenticated and not g.get("database_away")
        unread = LazyCount(lambda: unread_count(current_user)) if counted else 0
        # No clock here: a page is given finished values (dates, labels, states) by
        # its view, so a template never decides by comparing times itself.
        return {"unread_notices": unread, "lang": str(get_locale())}


class LazyCount:
    """A number computed the first time a template looks at it."""

    def __init__(self, compute):
        self._compute = compute
        self._value = None

    @property
    def value(self) -> int:
        if self._value is None:
            self._value = self._compute()
        return self._value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __str__(self) -> str:
        return str(self.value)


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)
