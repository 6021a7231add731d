"""`bangfu keys`: make a data key, see which keys the data is sealed with, and move it onto the current one."""
import click

from . import clock, db
from .sealing import KEY_ID, SealError, new_key


@click.group("keys")
def keys_group():
    """Data keys sealing personal data at rest (个人信息加密密钥)."""


@keys_group.command("new")
@click.option("--id", "key_id", help="the new key's id (letters, digits, - and _); default k<today>")
def new(key_id):
    """Print a new data key as `<id>:<key>`: put it first in BANGFU_DATA_KEYS (or the key file), keep the old
    keys after it, restart the service, then run `bangfu keys rotate`."""
    key_id = key_id or f"k{clock.today():%Y%m%d}"
    if not KEY_ID.match(key_id):
        raise click.ClickException("密钥编号只能含字母、数字、- 与 _（至多 32 个字符）")
    click.echo(f"{key_id}:{new_key()}")


@keys_group.command("status")
def status():
    """Count the sealed values under each key: a key no value needs may leave the keyring."""
    from .cli import _app
    from .key_rotation import census
    from .models import metadata
    app = _app()
    keyring = app.config["DATA_KEYRING"]
    counts = census(db.engine_of(app), metadata)
    for key_id in sorted(set(counts) | set(keyring.keys)):
        role = "当前" if key_id == keyring.current else ("仅解密" if key_id in keyring.keys else "未配置！")
        click.echo(f"{key_id}（{role}）：{counts.get(key_id, 0)} 项")
    missing = sorted(set(counts) - set(keyring.keys))
    if missing:
        raise click.ClickException(f"数据用到未配置的密钥 {'、'.join(missing)}：这些数据无法解密，请在 BANGFU_DATA_KEYS 中补上")


@keys_group.command("rotate")
@click.option("--batch", default=200, show_default=True, type=click.IntRange(1, 10_000),
              help="values re-sealed per transaction")
def rotate(batch):
    """Seal again, under the current key, every value sealed under an older one, a batch per transaction, while
    the service keeps running; safe to stop and run again. Afterwards `bangfu keys status` shows what an old key
    still holds (nothing: drop it)."""
    from .audit import chain
    from .cli import _app
    from .key_rotation import rotate as rotate_all
    from .models import metadata
    app = _app()
    engine, keyring = db.engine_of(app), app.config["DATA_KEYRING"]
    try:
        rotation = rotate_all(engine, keyring, metadata, batch)
    except SealError as exc:
        raise click.ClickException(str(exc)) from None
    with engine.begin() as connection:
        chain.append(connection, "keys.rotated", detail={"current": rotation.current, "values": rotation.total,
                                                         "columns": dict(rotation.moved)})
    for context, count in sorted(rotation.moved.items()):
        click.echo(f"  {context}：{count} 项")
    click.echo(f"已用当前密钥 {rotation.current} 重新加密 {rotation.total} 项数据")


@keys_group.command("rehash")
def rehash():
    """Recompute the resident-ID digests (duplicate checks, search by ID) with BANGFU_LOOKUP_KEY after it
    changed; stop the service first, as until this commits it finds nobody by ID."""
    from .audit import chain
    from .cli import _app
    from .households.register import id_digest
    from .key_rotation import rehash as rehash_all
    app = _app()
    engine = db.engine_of(app)
    with app.app_context():
        try:
            result = rehash_all(engine, id_digest)
        except SealError as exc:
            raise click.ClickException(str(exc)) from None
    with engine.begin() as connection:
        chain.append(connection, "keys.rehashed", detail=vars(result))
    click.echo(f"已用当前查询密钥重算身份证号摘要：家庭 {result.households} 户，成员 {result.members} 人，"
               f"助学记录 {result.awards} 条" + (f"（{result.awards_unmatched} 条无法对应，保持原样）"
                                              if result.awards_unmatched else ""))
