"""The ``modelservice`` command: argument parsing and error handling around the API.

Start-up time matters (``template`` in a loop, shell completion), so only the parser of
the command being run is built, and only its module imported; the other commands are
known here by name and one-line help alone.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from modelservice.cli.common import (
    EXIT_BUG,
    EXIT_CHANGES,
    EXIT_DOES_NOT_FIT,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    HelpFormatter,
    fail,
)
from modelservice.errors import ModelServiceError

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any, NoReturn

#: Every command: the module that defines it and its line in ``modelservice --help``.
COMMANDS: dict[str, tuple[str, str]] = {
    "template": ("render_cmds", "render the release's objects as YAML (helm template)"),
    "validate": ("render_cmds", "check values and report every problem"),
    "values": ("render_cmds", "print the defaults, with every accepted key described"),
    "schema": ("render_cmds", "print the JSON Schema of the values"),
    "install": ("cluster_cmds", "install a release on the cluster"),
    "upgrade": ("cluster_cmds", "upgrade a release to new values"),
    "diff": ("cluster_cmds", "show what an upgrade would change"),
    "status": ("cluster_cmds", "show a release's revision and readiness"),
    "list": ("cluster_cmds", "list releases (ours and Helm's)"),
    "history": ("cluster_cmds", "list a release's revisions"),
    "rollback": ("cluster_cmds", "roll a release back to a revision"),
    "uninstall": ("cluster_cmds", "remove a release"),
    "presets": ("planning_cmds", "list the presets (partial values), or show one"),
    "plan": ("planning_cmds", "what a release needs, and whether it fits"),
    "sweep": ("planning_cmds", "render the treatments of a benchmark sweep"),
    "recommend": ("planning_cmds", "ranked model/GPU/parallelism options for a use case"),
    "operator": ("operator_cmds", "the ModelService custom resource and its operator"),
    "completion": ("completion_cmds", "print a shell completion script (bash, zsh, fish)"),
    "version": ("render_cmds", "print the version"),
}

#: Flags accepted before the command too, as kubectl takes them (``modelservice -n ns
#: list``): dest → option strings. A command that has the option takes the value.
GLOBAL_FLAGS: dict[str, tuple[str, ...]] = {
    "namespace": ("-n", "--namespace"),
    "kube_context": ("--kube-context",),
    "kubeconfig": ("--kubeconfig",),
}
_GLOBAL_OPTIONS = {opt for opts in GLOBAL_FLAGS.values() for opt in opts}

#: Flags whose value is optional (bare ``--dry-run`` means ``--dry-run=client``).
OPTIONAL_VALUE_FLAGS = {"--dry-run": ("client", "client", "server", "none")}

EXIT_CODES = f"""\
exit status:
  {EXIT_OK}    success (diff: nothing would change)
  {EXIT_ERROR}    error: invalid values, or the cluster refused or could not do something
  {EXIT_CHANGES}    diff: the upgrade would change something
  {EXIT_DOES_NOT_FIT}    plan --cluster: the release does not fit on the cluster's nodes
  {EXIT_USAGE}   usage error: unknown command or flag, missing or malformed argument
  {EXIT_BUG}   internal error (a bug in modelservice; please report it)
  {EXIT_INTERRUPTED}  interrupted"""


class Parser(argparse.ArgumentParser):
    """argparse with usage errors that say what was probably meant, and exit with
    :data:`EXIT_USAGE` (argparse's 2 would read as diff's "changes pending")."""

    command_parser: argparse.ArgumentParser | None = None
    """The parser of the command being run, for suggestions about its flags."""

    def error(self, message: str) -> NoReturn:
        target = self.command_parser or self
        if message.startswith("unrecognized arguments: "):
            target.print_usage(sys.stderr)
        else:
            self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{target.prog}: error: {_explain(message, target)}\n")


def _explain(message: str, parser: argparse.ArgumentParser) -> str:
    """argparse's message, with a did-you-mean instead of the list of every choice."""
    from modelservice.values.schema import suggest

    if message.startswith("argument COMMAND: invalid choice:"):
        word = message.split("'")[1]
        hint = suggest(word, list(COMMANDS))
        return f"unknown command {word!r}" + (
            f"; did you mean {hint!r}?" if hint else "; 'modelservice --help' lists the commands"
        )
    if message.startswith("unrecognized arguments: "):
        words = message.removeprefix("unrecognized arguments: ").split()
        flags = [w for w in words if w.startswith("-")]
        if not flags:
            return f"unexpected argument{'s' if len(words) > 1 else ''}: {' '.join(words)}"
        options = [o for a in parser._actions for o in a.option_strings]
        parts = []
        for flag in flags:
            hint = suggest(flag.split("=")[0], options)
            parts.append(repr(flag) + (f" (did you mean {hint!r}?)" if hint else ""))
        return (
            f"unknown flag{'s' if len(parts) > 1 else ''} {', '.join(parts)}; "
            f"'{parser.prog} --help' lists the flags"
        )
    return message


def command_of(argv: Sequence[str]) -> str | None:
    """The command word of ``argv``: its first argument that is neither a flag nor the
    value of a global flag."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _GLOBAL_OPTIONS:
            skip = True
        elif arg == "--":
            return None
        elif not arg.startswith("-"):
            return arg
    return None


def normalize(argv: Sequence[str]) -> list[str]:
    """Spell optional-value flags with ``=``: ``--dry-run`` → ``--dry-run=client``, and
    ``--dry-run server`` → ``--dry-run=server`` (so a bare flag never eats the next
    argument, such as the release name)."""
    out: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        spec = OPTIONAL_VALUE_FLAGS.get(arg)
        if spec is not None:
            if i + 1 < len(args) and args[i + 1] in spec[1:]:
                arg, i = f"{arg}={args[i + 1]}", i + 1
            else:
                arg = f"{arg}={spec[0]}"
        out.append(arg)
        i += 1
    return out


def build_parser(argv: Sequence[str] | None = None) -> Parser:
    """The argument parser. Given ``argv`` naming a command, only that command's parser is
    built (and its module imported); otherwise every command is listed by name."""
    parser = Parser(
        prog="modelservice",
        formatter_class=HelpFormatter,
        description="Deploy LLM inference (vLLM) on Kubernetes the llm-d way, from one values "
        "file in the llm-d-modelservice chart's format.\n\n"
        "By default values are the seed chart's (0.0.9) with this tool's fixes and additions; "
        "--chart-version X (0.0.9 to 0.4.12, 0.4, latest) renders exactly as the upstream "
        "chart release X does, for values files written for it (template, validate, values, "
        "schema, plan, sweep, install, upgrade, diff).",
        epilog="Run 'modelservice COMMAND --help' for a command's options and examples.\n"
        "-n/--namespace, --kube-context and --kubeconfig may also come before the command.\n\n"
        + EXIT_CODES,
    )
    parser.add_argument(
        "--version", action="store_true", help="print the version and exit (as 'version')"
    )
    glob = parser.add_argument_group("global flags (also accepted after the command)")
    for dest, metavar, help_ in (
        ("namespace", "NS", "namespace (default: the kubeconfig context's)"),
        ("kube_context", "NAME", "kubeconfig context to use"),
        ("kubeconfig", "FILE", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)"),
    ):
        glob.add_argument(*GLOBAL_FLAGS[dest], dest=f"global_{dest}", metavar=metavar, help=help_)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    command = command_of(argv or ())
    if command in COMMANDS:
        module = _command_module(command)
        module.register(sub, command)
        parser.command_parser = sub.choices[command]
    else:
        for name, (_, help_) in COMMANDS.items():
            sub.add_parser(name, help=help_, add_help=False)
    return parser


def _command_module(command: str) -> Any:
    """The module that defines ``command`` (imported with __import__: importlib itself
    would be one more import at every start)."""
    name = f"modelservice.cli.{COMMANDS[command][0]}"
    __import__(name)
    return sys.modules[name]


def _apply_globals(args: argparse.Namespace) -> None:
    """Values of global flags given before the command, for a command that has them
    (given after the command too, the later one wins, as kubectl)."""
    for dest in GLOBAL_FLAGS:
        value = getattr(args, f"global_{dest}", None)
        if value is None or not hasattr(args, dest):
            continue
        current = getattr(args, dest)
        if current is None:
            setattr(args, dest, value)
        elif isinstance(current, list) and not current:
            current.append(value)


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["__complete"]:  # the shell's words, as typed: never parsed as flags
        from modelservice.cli.completion_cmds import print_candidates

        return print_candidates(argv[1:])
    argv = normalize(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.version:
        from modelservice.cli.render_cmds import version_text

        print(version_text())
        return EXIT_OK
    if args.command is None:
        parser.error("a command is required; 'modelservice --help' lists them")
    _apply_globals(args)
    try:
        code: int = args.func(args)
        return code
    except ModelServiceError as err:
        fail(err)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); that is not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as exc:  # a bug: say so plainly, without a traceback unless asked
        if os.environ.get("MODELSERVICE_DEBUG"):
            raise
        print(
            f"internal error (this is a bug in modelservice): {type(exc).__name__}: {exc}\n"
            "Run again with MODELSERVICE_DEBUG=1 for the traceback, and please report it.",
            file=sys.stderr,
        )
        return EXIT_BUG


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
