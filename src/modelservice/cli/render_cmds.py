"""Commands that work on values alone: template, validate, values, schema, version."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from modelservice.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    add_namespace_flag,
    add_value_flags,
    dedent,
    load,
    print_warnings,
)

if TYPE_CHECKING:
    from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser(
        "template",
        formatter_class=fmt,
        help="render the release's Kubernetes objects as YAML (like helm template)",
        description=dedent("""\
            Render the Kubernetes objects of a release from values, without a cluster.

            Values are layered like Helm's: the built-in defaults, then each -f file in
            order, then --set-json, --set, --set-string and --set-file. Every problem in
            the values is reported at once, and nothing is written unless all is well.

            examples:
              modelservice template my-model -f examples/sim.yaml
              modelservice template llama -n llm-d -f base.yaml --set decode.replicas=2 \\
                  | kubectl apply -f -
              modelservice template llama -f values.yaml --output-dir out/
              modelservice template llama -f v.yaml --show-only Service/llama-llm-d-modelservice-epp
            """),
    )
    p.add_argument("release", metavar="RELEASE", help="release name (prefix of object names)")
    add_namespace_flag(p)
    add_value_flags(p)
    p.add_argument(
        "--output-dir",
        metavar="DIR",
        help="write one file per object into DIR (named in install order)",
    )
    p.add_argument(
        "--show-only",
        action="append",
        default=[],
        metavar="KIND/NAME",
        help="print only this object (repeatable); KIND alone shows every object of that kind",
    )
    p.set_defaults(func=cmd_template)

    p = sub.add_parser(
        "validate",
        formatter_class=fmt,
        help="check values and report every problem",
        description=dedent("""\
            Check values against the schema and the semantic rules, and report every
            problem (with its key path, file and line) and every warning. Exit status 0
            when the values are valid, 1 otherwise.

            example:
              modelservice validate my-model -f values.yaml --set decode.replicas=2
            """),
    )
    p.add_argument("release", metavar="RELEASE", help="release name")
    add_namespace_flag(p)
    add_value_flags(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "values",
        formatter_class=fmt,
        help="print the built-in default values, with every accepted key described",
        description="Print the built-in defaults (the chart's values.yaml) with comments "
        "on every key this tool accepts, its additions shown commented out; a starting "
        "point for a values file.\n\nexample:\n  modelservice values > my-values.yaml",
    )
    p.set_defaults(func=cmd_values)

    p = sub.add_parser(
        "schema",
        formatter_class=fmt,
        help="print the JSON Schema of the values",
        description="Print the JSON Schema that values are checked against (also shipped "
        "as values.schema.json in the package), e.g. for editor completion."
        "\n\nexample:\n  modelservice schema > values.schema.json",
    )
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser(
        "version",
        help="print the version",
        formatter_class=fmt,
        description="Print the tool's version and the chart version whose values it "
        "implements.\n\nexample:\n  modelservice version",
    )
    p.set_defaults(func=cmd_version)


def _render(args: argparse.Namespace) -> tuple[list[dict[str, object]], str]:
    from modelservice.pipeline import render_release

    namespace = args.namespace or "default"
    result = render_release(load(args), release=args.release, namespace=namespace)
    print_warnings(result.warnings)
    return result.objects, namespace


def _select(objects: list[dict[str, object]], wanted: list[str]) -> list[dict[str, object]]:
    """The objects ``--show-only KIND[/NAME]`` asks for; every request must match one."""
    from modelservice.errors import Problem, ValuesError

    def matches(want: str, obj: dict[str, object]) -> bool:
        kind, _, name = want.partition("/")
        meta: Any = obj["metadata"]
        return kind.lower() == str(obj["kind"]).lower() and (not name or name == meta["name"])

    chosen = [o for o in objects if any(matches(w, o) for w in wanted)]
    missing = [w for w in wanted if not any(matches(w, o) for o in objects)]
    if missing:
        have = ", ".join(f"{o['kind']}/{o['metadata']['name']}" for o in objects)  # type: ignore[index]
        raise ValuesError(
            [
                Problem("", f"--show-only {m}: the release has no such object (it has: {have})")
                for m in missing
            ]
        )
    return chosen


def cmd_template(args: argparse.Namespace) -> int:
    from modelservice.output.yaml import dump, dump_all

    objects, _ = _render(args)
    if args.show_only:
        objects = _select(objects, args.show_only)
    if args.output_dir:
        from pathlib import Path

        _write_dir(Path(args.output_dir), objects, dump)
        return EXIT_OK
    sys.stdout.write(dump_all(objects))
    return EXIT_OK


def _write_dir(out: Path, objects: list[dict[str, object]], dump: object) -> None:
    """One file per object, each written atomically; all rendered before any is written."""
    import os

    from modelservice.errors import ModelServiceError

    texts = []
    for i, obj in enumerate(objects, 1):
        name = f"{i:02d}-{str(obj['kind']).lower()}-{obj['metadata']['name']}.yaml"  # type: ignore[index]
        texts.append((name, dump(obj)))  # type: ignore[operator]
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in texts:
            tmp = out / f".{name}.tmp"
            tmp.write_text(text, "utf-8")
            os.replace(tmp, out / name)
    except OSError as exc:
        raise ModelServiceError(f"cannot write to {out}: {exc.strerror or exc}") from None
    print(f"wrote {len(texts)} files to {out}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    objects, _ = _render(args)
    print(
        f"valid: {len(objects)} objects would be rendered for release {args.release!r}",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_values(args: argparse.Namespace) -> int:
    from modelservice.values.layering import default_values_text

    sys.stdout.write(default_values_text())
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from modelservice.values.schema import schema_json

    sys.stdout.write(schema_json())
    return EXIT_OK


def cmd_version(args: argparse.Namespace) -> int:
    from modelservice import __version__
    from modelservice.values.model import CHART_VERSION

    print(f"modelservice {__version__} (llm-d-modelservice chart {CHART_VERSION} values)")
    return EXIT_OK


__all__ = ["EXIT_ERROR", "register"]
