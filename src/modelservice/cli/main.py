"""The ``modelservice`` command: argument parsing and error handling around the API."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from modelservice.cli.common import EXIT_BUG, EXIT_ERROR, fail
from modelservice.errors import ModelServiceError

#: Which module defines each command; only the needed module is imported at start-up.
COMMAND_MODULES = {
    **dict.fromkeys(("template", "validate", "values", "schema", "version"), "render_cmds"),
    **dict.fromkeys(
        ("install", "upgrade", "diff", "status", "list", "history", "rollback", "uninstall"),
        "cluster_cmds",
    ),
    **dict.fromkeys(("presets", "plan", "sweep", "recommend"), "planning_cmds"),
    "operator": "operator_cmds",
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; given ``argv``, only the module of the command being run is
    imported (every module when the command is unknown or help is asked for)."""
    import importlib

    parser = argparse.ArgumentParser(
        prog="modelservice",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Deploy LLM inference (vLLM) on Kubernetes the llm-d way, from one values "
        "file in the llm-d-modelservice chart's format.",
        epilog="Run 'modelservice COMMAND --help' for a command's options and examples.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    first = next((a for a in argv or () if not a.startswith("-")), None)
    wanted = COMMAND_MODULES.get(first or "")
    for module in dict.fromkeys(COMMAND_MODULES.values()):
        if wanted is None or module == wanted:
            importlib.import_module(f"modelservice.cli.{module}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except ModelServiceError as err:
        fail(err)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
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
