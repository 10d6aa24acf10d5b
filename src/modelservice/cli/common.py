"""Pieces every command shares: the value flags, error and warning printing, exit codes."""

from __future__ import annotations

import argparse
import os
import sys

from modelservice.errors import ModelServiceError, Problem, ValuesError

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import NoReturn

if TYPE_CHECKING:
    from modelservice.values.layering import Values

# Exit statuses. A usage error must never read as "changes pending" to a CI script, so
# usage errors take sysexits' EX_USAGE rather than argparse's 2.
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
"""``diff``: the upgrade would change something (as ``terraform plan -detailed-exitcode``)."""
EXIT_DOES_NOT_FIT = 3
"""``plan --cluster``: the release does not fit on the cluster's nodes."""
EXIT_USAGE = 64
EXIT_BUG = 70
EXIT_INTERRUPTED = 130


def color(code: str, text: str, stream: object) -> str:
    """``text`` in an ANSI colour when ``stream`` is a terminal and NO_COLOR is unset."""
    isatty = getattr(stream, "isatty", None)
    if os.environ.get("NO_COLOR") or not (isatty and isatty()):
        return text
    return f"\033[{code}m{text}\033[0m"


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter (descriptions kept as written), sized without importing
    shutil: argparse makes one for every add_argument, to check its metavar, and shutil
    with its compression modules would cost every start-up a millisecond or two."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def _terminal_columns() -> int:
    """$COLUMNS, else the terminal's width, else 80 (what shutil.get_terminal_size does)."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno() if sys.__stdout__ else 1).columns
    except (AttributeError, ValueError, OSError):
        return 80


def dedent(text: str) -> str:
    """textwrap.dedent for our help texts, without importing textwrap at every start."""
    lines = text.splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines) + ("\n" if text.endswith("\n") else "")


def add_value_flags(p: argparse.ArgumentParser) -> None:
    """The Helm value flags, in the order they are layered."""
    g = p.add_argument_group("values (layered in this order, later wins)")
    g.add_argument(
        "--preset",
        action="append",
        default=[],
        metavar="NAME",
        help="a preset (partial values) laid over the defaults, before -f files; repeat for "
        "several, in order; 'modelservice presets' lists them",
    )
    g.add_argument(
        "--preset-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="also look for presets (NAME.yaml) in DIR, before the built-in ones; "
        "$MODELSERVICE_PRESET_DIR adds directories too",
    )
    g.add_argument(
        "-f",
        "--values",
        action="append",
        default=[],
        metavar="FILE",
        help="values file (YAML); repeat for several; '-' reads standard input",
    )
    g.add_argument(
        "--set-json",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="set a value as JSON, e.g. --set-json 'decode.parallelism={\"tensor\":2}'",
    )
    g.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VAL",
        help="set values, Helm syntax: a.b=c, list[0].x=y, {a,b}, several with commas",
    )
    g.add_argument(
        "--set-string",
        action="append",
        default=[],
        metavar="KEY=VAL",
        help="like --set, but values always stay strings",
    )
    g.add_argument(
        "--set-file",
        action="append",
        default=[],
        metavar="KEY=PATH",
        help="set a value to the content of a file",
    )


OUTPUT_FORMATS = ("table", "json", "yaml")


def add_output_flag(p: argparse.ArgumentParser) -> None:
    """``-o/--output table|json|yaml``, as Helm's list, status and history have it."""
    p.add_argument(
        "-o",
        "--output",
        choices=OUTPUT_FORMATS,
        default="table",
        help="output format (default table); the JSON and YAML field names are stable",
    )


def print_structured(data: object, output: str) -> None:
    """``data`` (plain dicts, lists and scalars) as JSON or YAML on stdout."""
    if output == "json":
        import json

        print(json.dumps(data, indent=2))
    else:
        from modelservice.output.yaml import dump

        sys.stdout.write(dump(data))


def add_chart_flags(
    p: argparse.ArgumentParser, *, skip_schema: bool = True, release: bool = False
) -> None:
    """``--chart-version`` (and Helm's ``--skip-schema-validation``) for commands that render;
    ``release``: for commands that act on an existing release, which remembers its version."""
    g = p.add_argument_group("upstream chart version")
    without = (
        "the version recorded in the release (as 'helm history' shows it; a new release: "
        "the default mode). 'default' switches to the default mode: the seed's chart 0.0.9 "
        "with this tool's fixes and additions"
        if release
        else "the seed's chart 0.0.9 with this tool's fixes and additions"
    )
    g.add_argument(
        "--chart-version",
        metavar="VERSION",
        help="render exactly as the upstream llm-d-modelservice chart release VERSION does "
        "(0.0.9 to 0.4.12; 0.4 for the newest 0.4.x; latest), with that release's defaults "
        f"and accepted keys; without it, {without}",
    )
    if skip_schema:
        g.add_argument(
            "--skip-schema-validation",
            action="store_true",
            help="with --chart-version: skip that release's schema checks, as helm's flag "
            "does (the rendering stays exact)",
        )


def add_namespace_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-n", "--namespace", default=None, help="namespace of the release (default: 'default')"
    )


def load(args: argparse.Namespace) -> Values:
    from modelservice.values.layering import Layer, load_values

    layers: list[Layer] = []
    problems: list[Problem] = []
    names = getattr(args, "preset", None)
    if names:
        from modelservice.presets import preset_layers

        layers, problems = preset_layers(names, preset_dirs(args))
    return load_values(
        args.values,
        args.set,
        set_strings=args.set_string,
        set_json=args.set_json,
        set_files=args.set_file,
        preset_layers=layers,
        problems=problems,
        chart_version=getattr(args, "chart_version", None),
    )


def preset_dirs(args: argparse.Namespace) -> list[str]:
    """The user's preset directories: --preset-dir flags, then $MODELSERVICE_PRESET_DIR."""
    from modelservice.presets import env_preset_dirs

    return [*(getattr(args, "preset_dir", None) or ()), *env_preset_dirs()]


def print_warnings(warnings: tuple[Problem, ...] | list[Problem]) -> None:
    for w in warnings:
        print(f"{color('33', 'warning:', sys.stderr)} {w}", file=sys.stderr)


def fail(err: ModelServiceError) -> NoReturn:
    """Print a user error (every problem it carries) and exit non-zero."""
    label = color("31;1", "error:", sys.stderr)
    if isinstance(err, ValuesError) and len(err.problems) > 1:
        subject = getattr(err, "subject", "the values")
        print(f"{label} {len(err.problems)} problems in {subject}:", file=sys.stderr)
        for p in err.problems:
            print(f"  - {p}", file=sys.stderr)
    else:
        # Cluster errors word their hints for the interface: --create-namespace here,
        # create_namespace=True in the Python API.
        describe = getattr(err, "describe", None)
        text = describe(cli=True) if describe is not None else str(err)
        print(f"{label} {text}", file=sys.stderr)
    raise SystemExit(EXIT_ERROR)
