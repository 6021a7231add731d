"""The `bangfu` command: set up the database, manage people, deploy models, serve."""
import functools
import sys
from pathlib import Path

import click

from . import config, create_app, db
from .errors import DomainError
from .people.models import ORG_KINDS, ROLES


def _app():
    return create_app()


def friendly(func):
    """Turn domain errors into a one-line message without a traceback."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            details = "; ".join(f"{k}: {'，'.join(v)}" for k, v in exc.fields.items())
            raise click.ClickException(exc.message + (f"（{details}）" if details else "")) from None
    return wrapper


@click.group(epilog=config.help_text(), context_settings={"max_content_width": 120})
def main():
    """帮扶 Bangfu: hardship-household assistance case service."""


@main.command()
@friendly
def init():
    """Create or migrate the database and deploy the bundled models (safe to run twice)."""
    from .migrate import upgrade
    from .process_models.operations import deploy
    from .services import services
    app = _app()
    upgrade(app)
    db.optimize(app)
    with db.transaction(app) as session:
        s = services()
        for path in sorted((p for p in s.models_dir.iterdir() if p.name.endswith(".bpmn")), key=lambda p: p.name):
            version, created = deploy(session, s, path.read_bytes(), comment=f"bundled {path.name}")
            state = "deployed as version" if created else "unchanged, version"
            click.echo(f"{path.name}: {state} {version.version}")
    click.echo(f"database ready: {_safe_url(app.config['DATABASE_URL'])}")


def _safe_url(url):
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


@main.command()
@friendly
def demo():
    """Load demo organisations, one user per role, and cases at different stages."""
    from .demo import load_demo
    app = _app()
    with db.transaction(app) as session:
        users = load_demo(session)
    click.echo("Demo users (username / password / role):")
    for username, password, role in users:
        click.echo(f"  {username:12} {password:18} {role}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host, port, threads):
    """Serve the API with a production WSGI server (waitress)."""
    from waitress import serve as waitress_serve
    app = _app()
    if app.config["SECRET_KEY"] == config.DEFAULT_SECRET_KEY:
        click.echo("warning: BANGFU_SECRET_KEY is not set; sign-in cookies use a development key", err=True)
    click.echo(f"Bangfu listening on http://{host}:{port}/ (OpenAPI: /api/v1/openapi.json)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="bangfu")


@main.group()
def org():
    """Organisations."""


@org.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--kind", required=True, type=click.Choice(list(ORG_KINDS)))
@friendly
def org_add(code, name, kind):
    """Add an organisation."""
    from .people.operations import create_organisation
    with db.transaction(_app()) as session:
        create_organisation(session, code, name, kind)
    click.echo(f"organisation {code} added")


@main.group()
def user():
    """Users."""


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(list(ROLES)))
@click.option("--org", "org_code", required=True)
@click.option("--password", required=True)
@click.option("--name", "display_name", default=None)
@friendly
def user_add(username, role, org_code, password, display_name):
    """Add a user with a role in an organisation."""
    from .people.operations import create_user
    with db.transaction(_app()) as session:
        create_user(session, username, role, org_code, password, display_name)
    click.echo(f"user {username} added")


@main.command()
@click.argument("username")
@friendly
def token(username):
    """Print a new bearer token for USERNAME."""
    from sqlalchemy import select

    from .people.models import User
    from .people.operations import issue_token
    from .services import services
    app = _app()
    with db.transaction(app) as session:
        found = session.scalar(select(User).where(User.username == username))
        if found is None:
            raise click.ClickException(f"用户 {username} 不存在")
        raw, _ = issue_token(session, found, services().token_days)
    click.echo(raw)


@main.command("deploy")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--comment", default=None)
@friendly
def deploy_command(file, comment):
    """Deploy a BPMN file as a new version of its process model."""
    from .process_models.operations import deploy
    from .services import services
    app = _app()
    with db.transaction(app) as session:
        s = services()
        version, created = deploy(session, s, file.read_bytes(), comment=comment)
        key = version.process_model.key
    click.echo(f"{key}: {'deployed version' if created else 'unchanged, latest is version'} {version.version}")


if __name__ == "__main__":
    sys.exit(main())
