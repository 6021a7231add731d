"""Bangfu (帮扶): a BPMN-driven case service for hardship-household assistance."""
import logging
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import audit, config, db, errors, services, web
from .api import Api, JSONProvider
from .api.schema import MAX_ROW_ID
from .api.messages import use_chinese_messages


class IdConverter(IntegerConverter):
    """Row ids in URLs: positive and within the id columns (PostgreSQL's 32-bit integer), so a huge number is a
    404, not an overflow (3 000 000 000 reached the database as the generic 422 输入包含无法保存的字符)."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ROW_ID)


def _instance_path(test_config):
    path = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("BANGFU_INSTANCE_PATH")
    return str(Path(path).resolve()) if path else None


def create_app(test_config=None):
    """The service as a WSGI app; raises config.ConfigError naming a setting it cannot run with."""
    app = Flask(__name__, instance_path=_instance_path(test_config), static_folder=None)
    config.load(app, test_config)
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.config.update(
        API_TITLE="帮扶 Bangfu API", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1", OPENAPI_JSON_PATH="openapi.json",
        JSON_AS_ASCII=False, MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    app.json = JSONProvider(app)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_prefix=count)
    app.url_map.converters["id"] = IdConverter
    use_chinese_messages()
    db.init_app(app)
    audit.init_app(app)
    services.init_app(app)
    api = Api(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"}}}, "security": [{"bearer": []}]})
    errors.init_app(app)  # after the Api: our JSON error body replaces flask-smorest's handler
    from .audit.routes import blp as audit_blp
    from .cases.incident_routes import blp as incidents_blp
    from .cases.routes import blp as cases_blp
    from .households.review_routes import blp as reviews_blp
    from .households.routes import blp as households_blp
    from .messages.routes import blp as messages_blp
    from .money.payment_routes import blp as payments_blp
    from .money.report_routes import blp as reports_blp
    from .money.routes import blp as money_blp
    from .money.standard_routes import blp as standards_blp
    from .named_operations.routes import blp as operations_blp
    from .people.routes import blp as auth_blp, delegations_blp, users_blp
    from .process_models.routes import blp as models_blp
    from .tasks.routes import blp as tasks_blp
    api_blueprints = (auth_blp, models_blp, cases_blp, tasks_blp, households_blp, reviews_blp, messages_blp,
                      money_blp, payments_blp, reports_blp, standards_blp, audit_blp, incidents_blp,
                      operations_blp, users_blp, delegations_blp)
    for blueprint in api_blueprints:
        api.register_blueprint(blueprint)
    web.init_app(app, api_blueprints)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
