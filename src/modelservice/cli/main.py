"""The ``modelservice`` command: argument parsing and error handling around the API."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from modelservice.cli.common import EXIT_BUG, EXIT_ERROR, fail
from modelservice.errors import ModelServiceError


def build_parser() -> argparse.ArgumentParser:
    from modelservice.cli import render_cmds

    parser = argparse.ArgumentParser(
        prog="modelservice",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Deploy LLM inference (vLLM) on Kubernetes the llm-d way, from one values "
        "file in the llm-d-modelservice chart's format.",
        epilog="Run 'modelservice COMMAND --help' for a command's options and examples.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    render_cmds.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
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
