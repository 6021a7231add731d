"""`bangfu audit verify`: check the whole hash chain of the audit log."""
import click

from .. import db


@click.group("audit")
def audit_group():
    """The tamper-evident audit log (审计日志)."""


@audit_group.command("verify")
def verify():
    """Check every entry of the audit log in order; name the first one changed, removed or moved (exit 1)."""
    from ..cli import _app
    from .chain import verify as verify_chain
    app = _app()
    with db.engine_of(app).connect() as connection:
        verdict = verify_chain(connection)
    if verdict.broken:
        raise click.ClickException(f"{verdict.broken.message}（此前 {verdict.count} 条完好）")
    click.echo(f"审计日志完整：共 {verdict.count} 条，哈希链逐条核对无误；最后一条的哈希 {verdict.last_hash}")
