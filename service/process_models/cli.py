"""`bangfu cases migrate`: move a version's open cases to a newer version of the model, or preview it."""
import click


@click.group("cases")
def cases_group():
    """Running cases (办理中的案件)."""


@cases_group.command("migrate")
@click.argument("key")
@click.option("--from", "from_number", required=True, type=click.IntRange(1), help="the version the cases run on")
@click.option("--to", "to_number", required=True, type=click.IntRange(1), help="the newer version to move them to")
@click.option("--dry-run", is_flag=True, help="only show, per case, what the move would do or why it cannot")
def migrate_command(key, from_number, to_number, dry_run):
    """Move the open cases of version FROM of model KEY to version TO (each in its own transaction); the
    cases that cannot move safely stay where they are, each with its reasons. Recorded as the system's."""
    from ..cli import _app, friendly
    from ..services import services
    from . import migration

    @friendly
    def go():
        app = _app()
        with app.app_context():
            if dry_run:
                from ..unit_of_work import run
                result = run(migration.preview, services(), None, key, from_number, to_number)
            else:
                result = migration.migrate(services(), None, key, from_number, to_number)
            for move in result.cases:
                click.echo(_case_lines(move, dry_run))
            if dry_run:
                movable = sum(move.can_move for move in result.cases)
                click.echo(f"预览：第 {from_number} 版办理中的案件 {len(result.cases)} 件，可迁移 {movable} 件，"
                           f"不能迁移 {len(result.cases) - movable} 件（未作任何改动）")
            else:
                click.echo(f"已迁移到第 {to_number} 版 {len(result.moved)} 件，未迁移 {len(result.refused)} 件")
    go()


def _case_lines(move, dry_run):
    name = move.case.reference or f"#{move.case.id}"
    if move.reasons:
        return f"{name}：不能迁移：" + "；".join(move.reasons)
    lines = [f"{name}：{'可以迁移' if dry_run else '已迁移'}"]
    for task in move.tasks:
        changes = f"（{'；'.join(task.changes)}）" if task.changes else ""
        lines.append(f"  {task.from_title} → {task.to_title}{changes}")
    if move.lost_steps:
        lines.append("  新版本中没有的后续步骤：" + "、".join(step.title for step in move.lost_steps))
    if move.lost_data:
        lines.append("  迁移后不再显示的数据：" + "、".join(f"{item.title}·{item.label}" if item.field else item.title
                                                  for item in move.lost_data))
    return "\n".join(lines)
