"""The `bangfu` command: set up the database, manage people, deploy models, serve."""
import functools
import sys
from pathlib import Path

import click

from . import config, create_app
from .errors import DomainError
from .people.roles import OrgKind, Role
from .unit_of_work import run_in


def _app():
    try:
        return create_app()
    except config.ConfigError as exc:
        raise click.ClickException(str(exc)) from None


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
    from . import db
    from .migrate import upgrade
    from .process_models.operations import deploy_folder
    from .services import services
    app = _app()
    upgrade(app)
    db.optimize(app)
    with app.app_context():
        deployed = run_in(app, deploy_folder, services())
    for name, version, created in deployed:
        click.echo(f"{name}: {'deployed as version' if created else 'unchanged, version'} {version}")
    click.echo(f"database ready: {config.safe_url(app.config['DATABASE_URL'])}")


@main.command()
@friendly
def demo():
    """Load demo organisations, one user per role, and cases at different stages."""
    from .demo import load_demo
    users = run_in(_app(), load_demo)
    click.echo("Demo users (username / password / role):")
    for username, password, role in users:
        click.echo(f"  {username:12} {password:18} {role}")


@main.group("annual-review")
def annual_review():
    """The annual review (年度复核) of filed households."""


@annual_review.command("start")
@click.argument("year", type=int)
@friendly
def annual_review_start(year):
    """Start YEAR's annual review for every filed household (none twice)."""
    from .households.review import start_annual_reviews
    from .services import services
    app = _app()
    with app.app_context():
        done = run_in(app, start_annual_reviews, services(), year, None)
    click.echo(f"{year} 年度复核：本次发起 {done.started} 户，此前已发起 {done.already} 户")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="server processes (several need PostgreSQL, or share one SQLite file)")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="threads per process")
def serve(host, port, workers, threads):
    """Serve the pages and the API with gunicorn (see README: production)."""
    from .server import serve as run_server
    app = _app()  # settings are checked here, once, before any worker starts
    click.echo(f"Bangfu listening on http://{host}:{port}/ with {workers} process(es) × {threads} threads "
               f"(OpenAPI: /api/v1/openapi.json)")
    run_server(app, host, port, workers, threads)


@main.group()
def org():
    """Organisations."""


@org.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--kind", required=True, type=click.Choice([k.value for k in OrgKind]))
@friendly
def org_add(code, name, kind):
    """Add an organisation."""
    from .people.operations import create_organisation
    run_in(_app(), create_organisation, code, name, kind)
    click.echo(f"organisation {code} added")


@main.group()
def user():
    """Users."""


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--org", "org_code", required=True)
@click.option("--password", required=True)
@click.option("--name", "display_name", default=None)
@friendly
def user_add(username, role, org_code, password, display_name):
    """Add a user with a role in an organisation."""
    from .people.operations import create_user
    run_in(_app(), create_user, username, role, org_code, password, display_name)
    click.echo(f"user {username} added")


@main.command()
@click.argument("username")
@friendly
def token(username):
    """Print a new bearer token for USERNAME."""
    from .people.operations import token_for_username
    from .services import services
    app = _app()
    with app.app_context():
        click.echo(run_in(app, token_for_username, username, services().token_days))


@main.command("deploy")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--comment", default=None)
@friendly
def deploy_command(file, comment):
    """Deploy a BPMN file as a new version of its process model."""
    from .process_models.operations import deploy
    from .services import services
    app = _app()
    with app.app_context():
        version, created = run_in(app, deploy, services(), file.read_bytes(), comment=comment)
        key, number = version.process_model.key, version.version
    click.echo(f"{key}: {'deployed version' if created else 'unchanged, latest is version'} {number}")


if __name__ == "__main__":
    sys.exit(main())
