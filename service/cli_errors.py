"""How `bangfu` tells the operator a command failed: one line 错误：…, in Chinese, without a traceback.

The service's own refusals are worded in Chinese already; click's (a missing option, a value its type refuses,
an unknown command) are English sentences from click's code, said again here in Chinese. The usage line before a
usage error names the command as click prints it, behind 用法：."""
import re
import sys

import click
from click.exceptions import Abort, BadOptionUsage, BadParameter, FileError, MissingParameter, NoSuchOption

def _listed(quoted):
    """'union', 'center' → union、center."""
    return "、".join(re.findall(r"'([^']*)'", quoted))


# The values click's types refuse, as click words them (click/types.py), and how the operator reads them.
_VALUE_PROBLEMS = [
    (re.compile(r"^(?P<value>.+?) is not (?:one of )?(?P<choices>'.*')\.$"),
     lambda m: f"{m['value']} 不是可选的值，可选：{_listed(m['choices'])}"),
    (re.compile(r"^(?P<value>.+?) is not a valid (?:integer|float)(?: range)?\.$"), lambda m: f"{m['value']} 不是数字"),
    (re.compile(r"^(?P<value>.+?) is not a valid boolean\..*$"), lambda m: f"{m['value']} 不是是/否的值"),
    (re.compile(r"^(?P<value>.+?) is not in the range (?P<range>.+)\.$"),
     lambda m: f"{m['value']} 超出范围（{m['range']}）"),
    (re.compile(r"^(?:File|Directory|Path) (?P<name>.+) does not exist\.$"), lambda m: f"{m['name']} 不存在"),
    (re.compile(r"^(?:File|Directory|Path) (?P<name>.+) is a directory\.$"), lambda m: f"{m['name']} 是目录，应为文件"),
    (re.compile(r"^(?:File|Directory|Path) (?P<name>.+) is a file\.$"), lambda m: f"{m['name']} 是文件，应为目录"),
    (re.compile(r"^(?:File|Directory|Path) (?P<name>.+) is not readable\.$"), lambda m: f"{m['name']} 无法读取"),
    (re.compile(r"^(?:File|Directory|Path) (?P<name>.+) is not writable\.$"), lambda m: f"{m['name']} 无法写入"),
]

# Usage errors click raises with only a message (click/core.py, click/parser.py).
_USAGE_PROBLEMS = [
    (re.compile(r"^No such command '(?P<name>.*)'\.$"), lambda m: f"没有命令 {m['name']}"),
    (re.compile(r"^Got unexpected extra arguments? \((?P<args>.*)\)$"), lambda m: f"多余的参数：{m['args']}"),
    (re.compile(r"^Option '(?P<name>.*)' requires an argument\.$"), lambda m: f"选项 {m['name']} 需要一个值"),
    (re.compile(r"^Option '(?P<name>.*)' does not take a value\.$"), lambda m: f"选项 {m['name']} 不接受值"),
    (re.compile(r"^Missing command\.$"), lambda m: "缺少命令"),
]


def _reworded(patterns, text):
    for pattern, say in patterns:
        found = pattern.match(text)
        if found:
            return say(found)
    return text


def _param_name(param, hint=None):
    if hint:
        return hint if isinstance(hint, str) else " / ".join(hint)
    if param is None:
        return "参数"
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    return param.human_readable_name


def message(error):
    """The Chinese sentence for a click error (the service's own messages pass unchanged)."""
    if isinstance(error, MissingParameter):
        kind = "选项" if isinstance(error.param, click.Option) else "参数"
        return f"缺少{kind} {_param_name(error.param, error.param_hint)}"
    if isinstance(error, BadParameter):
        return f"{_param_name(error.param, error.param_hint)} 的值无效：{_reworded(_VALUE_PROBLEMS, error.message)}"
    if isinstance(error, NoSuchOption):
        guesses = sorted(error.possibilities or ())
        return f"没有选项 {error.option_name}" + (f"（是否想用 {'、'.join(guesses)}？）" if guesses else "")
    if isinstance(error, BadOptionUsage):
        return _reworded(_USAGE_PROBLEMS, error.message)
    if isinstance(error, FileError):
        return f"无法打开文件 {error.ui_filename}：{error.message}"
    if isinstance(error, click.UsageError):
        return _reworded(_USAGE_PROBLEMS, error.message)
    return error.format_message()


def show(error):
    """Print the error as the operator reads it, on standard error."""
    if isinstance(error, click.UsageError) and error.ctx is not None:
        usage = error.ctx.get_usage()
        click.echo(re.sub(r"^Usage: ", "用法：", usage), err=True)
        click.echo(f"查看帮助：{error.ctx.command_path} --help\n", err=True)
    click.echo(f"错误：{message(error)}", err=True)


class ChineseErrors(click.Group):
    """The `bangfu` group: click runs the command; its errors and an interrupted command are said in Chinese."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except Abort:
            click.echo("已中止", err=True)
            sys.exit(1)
        except click.ClickException as error:
            show(error)
            sys.exit(error.exit_code)
        # click answers an Exit (--help, ctx.exit) with its code; a command that ran returns its own value
        sys.exit(result if isinstance(result, int) and not isinstance(result, bool) else 0)
