"""The application factory: the only place a Flask app is built."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from recruit.config import load_config, resolve_paths
from recruit.extensions import csrf, db, login_manager, migrate
from recruit.logs import configure_logging

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from defaults, RECRUIT_* environment variables and `config`, in that order."""
    app = Flask(
        "recruit",
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
        instance_relative_config=True,
    )
    settings = load_config(config)
    if settings.get("INSTANCE_PATH"):
        app.instance_path = str(settings["INSTANCE_PATH"])
    resolve_paths(settings, app.instance_path)
    _apply_flask_settings(app, settings)
    configure_logging(app)
    _ensure_folders(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)
    return app


def _apply_flask_settings(app: Flask, settings: dict[str, Any]) -> None:
    app.config.update(settings)
    production = settings["ENV"] == "production"
    if not settings.get("SECRET_KEY"):
        if production:
            raise RuntimeError("RECRUIT_SECRET_KEY must be set in production")
        # Development only: a fresh key per process, so sessions do not outlive a restart.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    _monitoring_key(app, production)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(
        settings["DATABASE_URL"], int(settings["DB_POOL_SIZE"])
    )
    app.config["MAX_CONTENT_LENGTH"] = settings["MAX_CV_BYTES"] + 256 * 1024
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = production
    app.config["REMEMBER_COOKIE_SECURE"] = production
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # the token lives as long as the session


def _monitoring_key(app: Flask, production: bool) -> None:
    if app.config.get("MONITORING_KEY"):
        return
    if production:
        raise RuntimeError("RECRUIT_MONITORING_KEY must be set in production")
    # Development: one key kept in the instance folder, so pseudonyms survive a restart.
    key_file = Path(app.instance_path) / "monitoring-key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["MONITORING_KEY"] = key_file.read_text().strip()


def _engine_options(url: str, pool_size: int) -> dict[str, Any]:
    # hide_parameters: statement parameters (outbox payloads hold reset and invitation links)
    # never reach logs or exception messages, whatever the log level.
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 15}, "hide_parameters": True}
    # No `pool_pre_ping`: recruit.pool_ping checks only connections that sat idle.
    return {
        "pool_recycle": 1800,
        "pool_size": pool_size,
        "max_overflow": pool_size,
        "hide_parameters": True,
    }


def _ensure_folders(app: Flask) -> None:
    for key in ("MAIL_DIR", "UPLOAD_DIR", "BROKER_DIR"):
        Path(app.config[key]).mkdir(parents=True, exist_ok=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)


def _init_extensions(app: Flask) -> None:
    from sqlalchemy.orm import configure_mappers

    from recruit import models  # noqa: F401 - models register their tables
    from recruit.auth.session import init_login
    from recruit.outbox import dispatch
    from recruit.pool_ping import ping_when_idle
    from recruit.web import page_cache, receipt, staff_pages
    from recruit.web.front_door import FrontDoor
    from recruit.web.ratelimit import Limiter
    from recruit.web.sessions import DatabaseSessionInterface

    db.init_app(app)
    with app.app_context():
        ping_when_idle(db.engine)
    # Resolve every model's relationships now, at start-up, rather than in the first request a
    # worker process serves: at a closing time that request is in the crowd.
    configure_mappers()
    app.session_interface = DatabaseSessionInterface()
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    init_login(app)
    dispatch.init_app(app)
    app.extensions["recruit.limiter"] = Limiter(app.config)
    page_cache.init_app(app)
    # Kept public pages are answered before Flask; inside ProxyFix, so it sees the real scheme.
    app.wsgi_app = FrontDoor(app.wsgi_app, page_cache.page_cache(app))  # type: ignore[method-assign]
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        # Behind N trusted proxies, the client address and scheme come from their headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    receipt.init_app(app)
    staff_pages.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from recruit.admin import bp as admin_bp
    from recruit.api import init_app as init_api
    from recruit.auth import bp as auth_bp
    from recruit.cli.commands import register_cli
    from recruit.portal import bp as portal_bp
    from recruit.web.converters import AsciiIntegerConverter

    # Before any route is added: each rule binds its converters when it is registered.
    app.url_map.converters["int"] = AsciiIntegerConverter
    app.register_blueprint(auth_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    init_api(app)
    register_cli(app)


def _register_hooks(app: Flask) -> None:
    from recruit.api import init_problems
    from recruit.web.admission import init_admission
    from recruit.web.hooks import init_web

    init_web(app)
    init_admission(app)
    init_problems(app)  # after the web tier's handlers, which it wraps for /api/
