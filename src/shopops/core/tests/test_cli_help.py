"""`shopops … --help` for every command and subcommand, found by walking the click tree of
`shopops.cli.main`: a command added tomorrow is checked without touching this file. In
process through click's test runner, so the whole tree costs well under a second."""

import click
import pytest
from click.testing import CliRunner

from shopops.cli import main


def _walk(group: click.Group, path: tuple[str, ...] = ()):
    yield path, group
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _walk(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = list(_walk(main))


def _flat(text: str) -> str:
    """Help text with its line wrapping undone."""
    return " ".join(text.split())


def _context(path: tuple[str, ...]) -> click.Context:
    ctx = click.Context(main, info_name="shopops", **main.context_settings)
    command: click.Command = main
    for name in path:
        command = command.commands[name]
        ctx = click.Context(command, info_name=name, parent=ctx, **command.context_settings)
    return ctx


def test_the_walk_finds_the_whole_tree():
    paths = {" ".join(path) for path, _command in COMMANDS}
    # A floor, not the list: the walk must reach nested subcommands, not only the top level.
    assert {"", "import", "manage", "store add", "user token", "report daily"} <= paths
    assert {"bench import", "bench flash-sale", "lake export"} <= paths
    assert len(paths) >= 21


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(p) or "shopops" for p, _ in COMMANDS]
)
def test_help(path, command):
    ctx = _context(path)
    # The environment the root group writes (SHOPOPS_CLI_LANG) is restored afterwards.
    result = CliRunner().invoke(
        main,
        [*path, "--help"],
        prog_name="shopops",
        env={"SHOPOPS_CLI_LANG": None, "SHOPOPS_LANG": "en"},
    )
    assert result.exit_code == 0, (result.output, result.exception)
    assert "Traceback" not in result.output
    text = _flat(result.output)
    if command.get_help_option(ctx) is None:
        # `manage` hands --help to Django's manage.py: its list of management commands.
        assert "Available subcommands" in text and "migrate" in text, result.output
        return
    usage = " ".join(["Usage: shopops", *path])
    assert text.startswith(usage + " "), result.output
    usage_line = text.split(" Options:")[0]
    for param in command.params:
        if isinstance(param, click.Argument):
            assert param.make_metavar(ctx) in usage_line, (param.name, result.output)
        elif not getattr(param, "hidden", False):
            for flag in (*param.opts, *param.secondary_opts):
                assert flag in text, (flag, result.output)
    assert "-h, --help" in text
    if command.help:
        assert _flat(command.help.split("\n\n")[0].replace("\b", "")) in text, result.output
    if isinstance(command, click.Group):
        assert "COMMAND [ARGS]..." in usage_line
        listed = " " + text.split(" Commands: ")[1] + " "
        for name in command.commands:
            assert f" {name} " in listed, (name, result.output)
