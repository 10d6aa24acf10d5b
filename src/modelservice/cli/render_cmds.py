"""Commands that work on values alone: template, validate, values, schema, version."""

from __future__ import annotations

import argparse
import sys

from modelservice.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    HelpFormatter,
    add_chart_flags,
    add_namespace_flag,
    add_output_flag,
    add_value_flags,
    dedent,
    load,
    print_structured,
    print_warnings,
)

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from modelservice.pipeline import Rendered


def _add_template(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter
    p = sub.add_parser(
        "template",
        formatter_class=fmt,
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
              modelservice template llama -f v.yaml --show-only templates/epp-service.yaml
              modelservice template llama -f v.yaml --show-only Service/llama-llm-d-modelservice-epp
            """),
    )
    p.add_argument("release", metavar="RELEASE", help="release name (prefix of object names)")
    add_namespace_flag(p)
    add_value_flags(p)
    add_chart_flags(p)
    p.add_argument(
        "--output-dir",
        metavar="DIR",
        help="write the objects into DIR/llm-d-modelservice/templates/<chart template>, "
        "as helm template --output-dir does",
    )
    p.add_argument(
        "--show-only",
        action="append",
        default=[],
        metavar="TEMPLATE|KIND/NAME",
        help="print only what this chart template renders (templates/epp-service.yaml, as "
        "helm takes it), or this object (Service/NAME; a KIND alone shows every object of "
        "that kind); repeatable",
    )
    p.set_defaults(func=cmd_template)


def _add_validate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter
    p = sub.add_parser(
        "validate",
        formatter_class=fmt,
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
    add_chart_flags(p)
    p.set_defaults(func=cmd_validate)


def _add_values(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter
    p = sub.add_parser(
        "values",
        formatter_class=fmt,
        description="Print the built-in defaults (the chart's values.yaml) with comments "
        "on every key this tool accepts, its additions shown commented out; a starting "
        "point for a values file. With --chart-version, that upstream release's defaults."
        "\n\nexamples:\n  modelservice values > my-values.yaml"
        "\n  modelservice values --chart-version 0.4.9",
    )
    add_chart_flags(p, skip_schema=False)
    p.set_defaults(func=cmd_values)


def _add_schema(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter
    p = sub.add_parser(
        "schema",
        formatter_class=fmt,
        description="Print the JSON Schema that values are checked against (also shipped "
        "as values.schema.json in the package), e.g. for editor completion."
        "\n\nexamples:\n  modelservice schema > values.schema.json"
        "\n  modelservice schema --chart-version 0.4.9 > values.schema.json",
    )
    add_chart_flags(p, skip_schema=False)
    p.set_defaults(func=cmd_schema)


def _add_version(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter
    p = sub.add_parser(
        "version",
        formatter_class=fmt,
        description="Print the tool's version and the chart version whose values it "
        "implements. -o json or yaml prints the fields version, chart, chartVersion, "
        "appVersion and python.\n\nexamples:\n  modelservice version\n"
        "  modelservice version -o json",
    )
    add_output_flag(p)
    p.set_defaults(func=cmd_version)


#: The parser builder of each command of this module.
_BUILDERS = {
    "template": _add_template,
    "validate": _add_validate,
    "values": _add_values,
    "schema": _add_schema,
    "version": _add_version,
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], command: str) -> None:
    """Add the parser of ``command`` (one of this module's) to ``sub``."""
    _BUILDERS[command](sub)


def _render(args: argparse.Namespace) -> Rendered:
    from modelservice.pipeline import render_release

    result = render_release(
        load(args),
        release=args.release,
        namespace=args.namespace or "default",
        skip_schema_validation=getattr(args, "skip_schema_validation", False),
    )
    print_warnings(result.warnings)
    return result


def _select(
    objects: list[dict[str, Any]], sources: Sequence[str], wanted: list[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The objects ``--show-only`` asks for, by chart template (``templates/X.yaml``, as
    Helm takes it) or by ``KIND[/NAME]``; every request must match one."""
    from modelservice.errors import Problem, ValuesError
    from modelservice.output.yaml import source_path
    from modelservice.values.schema import suggest

    def matches(want: str, obj: dict[str, Any], source: str) -> bool:
        if want.endswith((".yaml", ".yml", ".tpl")):
            return want in (f"templates/{source}", source_path(source))
        kind, _, name = want.partition("/")
        return kind.lower() == str(obj["kind"]).lower() and (
            not name or name == obj["metadata"]["name"]
        )

    pairs = list(zip(objects, sources, strict=True))
    chosen = [(o, s) for o, s in pairs if any(matches(w, o, s) for w in wanted)]
    missing = [w for w in wanted if not any(matches(w, o, s) for o, s in pairs)]
    if missing:
        templates = [f"templates/{s}" for s in dict.fromkeys(sources)]
        named = [f"{o['kind']}/{o['metadata']['name']}" for o in objects]
        problems = []
        for m in missing:
            by_template = m.endswith((".yaml", ".yml", ".tpl"))
            have = templates if by_template else named
            if by_template:  # compare file names: the shared "templates/" says nothing
                close = suggest(m.rsplit("/", 1)[-1], [t.rsplit("/", 1)[-1] for t in have])
                hint = f"templates/{close}" if close else None
            else:
                hint = suggest(m, have)
            what = "template" if by_template else "object"
            problems.append(
                Problem(
                    "",
                    f"--show-only {m}: the release renders no such {what}"
                    + (f"; did you mean {hint!r}?" if hint else f" (it has: {', '.join(have)})"),
                )
            )
        raise ValuesError(problems)
    return [o for o, _ in chosen], [s for _, s in chosen]


def cmd_template(args: argparse.Namespace) -> int:
    from modelservice.output.yaml import dump_all

    result = _render(args)
    objects, sources = result.objects, list(result.sources)
    if args.show_only:
        objects, sources = _select(objects, sources, args.show_only)
    if args.output_dir:
        _write_dir(args.output_dir, objects, sources)
        return EXIT_OK
    sys.stdout.write(dump_all(objects, sources))
    return EXIT_OK


def _write_dir(out: str, objects: list[dict[str, Any]], sources: Sequence[str]) -> None:
    """Helm's layout: ``DIR/llm-d-modelservice/templates/<file>``, one file per chart
    template holding its objects. Every file is rendered before any is written, and each
    is written atomically."""
    import os

    from modelservice.errors import ModelServiceError
    from modelservice.output.yaml import dump_all, source_path

    files: dict[str, tuple[list[dict[str, Any]], list[str]]] = {}
    for obj, source in zip(objects, sources, strict=True):
        objs, srcs = files.setdefault(source_path(source), ([], []))
        objs.append(obj)
        srcs.append(source)
    texts = [(os.path.join(out, path), dump_all(*docs)) for path, docs in files.items()]
    try:
        for path, text in texts:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = f"{path}.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, path)
            print(f"wrote {path}")
    except OSError as exc:
        raise ModelServiceError(f"cannot write to {out}: {exc.strerror or exc}") from None


def cmd_validate(args: argparse.Namespace) -> int:
    objects = _render(args).objects
    print(
        f"valid: {len(objects)} objects would be rendered for release {args.release!r}",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_values(args: argparse.Namespace) -> int:
    from modelservice.charts.versions import choose

    chart = choose(args.chart_version) if args.chart_version else None
    if chart is not None:
        from modelservice.charts.defaults import defaults
        from modelservice.output.yaml import dump

        sys.stdout.write(
            f"# Defaults of the upstream llm-d-modelservice chart {chart.version} "
            f"(chart version {chart.chart_version}, app version {chart.app_version}),\n"
            f"# as `modelservice template --chart-version {chart.version}` lays values over "
            "them.\n"
        )
        sys.stdout.write(dump(defaults(chart)))
        return EXIT_OK
    from modelservice.values.layering import default_values_text

    sys.stdout.write(default_values_text())
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    if args.chart_version:
        import json

        from modelservice.charts.schema import json_schema
        from modelservice.charts.versions import resolve

        sys.stdout.write(json.dumps(json_schema(resolve(args.chart_version)), indent=2) + "\n")
        return EXIT_OK
    from modelservice.values.schema import schema_json

    sys.stdout.write(schema_json())
    return EXIT_OK


def version_info() -> dict[str, str]:
    """The version fields ``version -o json|yaml`` prints (stable names)."""
    import platform

    from modelservice import __version__
    from modelservice.naming import CHART_NAME
    from modelservice.values.model import APP_VERSION, CHART_VERSION

    return {
        "version": __version__,
        "chart": CHART_NAME,
        "chartVersion": CHART_VERSION,
        "appVersion": APP_VERSION,
        "python": platform.python_version(),
    }


def version_text() -> str:
    info = version_info()
    return f"modelservice {info['version']} ({info['chart']} chart {info['chartVersion']} values)"


def cmd_version(args: argparse.Namespace) -> int:
    if args.output == "table":
        print(version_text())
    else:
        print_structured(version_info(), args.output)
    return EXIT_OK


__all__ = ["EXIT_ERROR", "register"]
