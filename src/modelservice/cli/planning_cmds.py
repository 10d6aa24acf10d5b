"""Commands that plan before anything is applied: presets, plan, sweep."""

from __future__ import annotations

import argparse
import sys

from modelservice.cli.common import (
    EXIT_DOES_NOT_FIT,
    EXIT_ERROR,
    EXIT_OK,
    HelpFormatter,
    add_chart_flags,
    add_value_flags,
    dedent,
    load,
    preset_dirs,
    print_warnings,
)
from modelservice.errors import Problem


def _add_presets(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter

    p = sub.add_parser(
        "presets",
        formatter_class=fmt,
        description=dedent("""\
            List the presets: partial values documents for common set-ups (the simulator,
            prefill/decode on NVIDIA or AMD GPUs, wide expert parallelism, Intel Gaudi, CPU
            only, workloads without routing). Use them on any command that takes values
            with --preset NAME (repeatable): they are layered after the defaults and
            before -f files, in the order given.

            A directory given with --preset-dir (or in $MODELSERVICE_PRESET_DIR, several
            separated by ':') adds your own presets, NAME.yaml each, whose first comment
            line is the description; one with a built-in's name replaces it.

            examples:
              modelservice presets
              modelservice presets show nvidia-pd
              modelservice template llama --preset nvidia-pd --preset no-routing -f model.yaml
            """),
    )
    p.add_argument(
        "action",
        nargs="?",
        choices=["list", "show"],
        default="list",
        help="list (default) or show NAME",
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="the preset to show")
    p.add_argument(
        "--preset-dir", action="append", default=[], metavar="DIR", help="a directory of presets"
    )
    p.set_defaults(func=cmd_presets)


def _add_plan(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter

    p = sub.add_parser(
        "plan",
        formatter_class=fmt,
        description=dedent("""\
            Print, before anything is applied, what the release asks of the cluster: per
            role (decode, prefill, the EPP) the pods (replicas x group size), accelerators
            per pod and in total, CPU and memory requests per pod and in total, the
            scheduling constraints (node selector, node affinity, tolerations), and the
            warnings of validation.

            With --cluster it reads the nodes (allocatable resources, labels, taints,
            cordons) and the pods already on them, packs every pod of the release onto
            the nodes its constraints allow (first fit), and says whether the release can
            be scheduled now; if not, which role, how many pods, and the binding
            constraint. Exit status: 0 when it fits (or without --cluster), 3 when it does
            not fit, 1 for invalid values or an unreachable cluster.

            examples:
              modelservice plan llama -f examples/pd-gpu-hf.yaml
              modelservice plan sim --preset sim --cluster
              modelservice plan deepseek -f examples/wide-ep-lws.yaml --cluster -o json
            """),
    )
    p.add_argument("release", metavar="RELEASE", help="release name")
    p.add_argument("-n", "--namespace", default=None, help="namespace (default: 'default')")
    add_value_flags(p)
    add_chart_flags(p)
    g = p.add_argument_group("cluster")
    g.add_argument(
        "--cluster",
        action="store_true",
        help="check against the cluster's nodes now (current kubeconfig context)",
    )
    g.add_argument("--kube-context", metavar="NAME", help="kubeconfig context (implies --cluster)")
    g.add_argument(
        "--kubeconfig",
        metavar="FILE",
        help="kubeconfig file (implies --cluster; default: $KUBECONFIG or ~/.kube/config)",
    )
    p.add_argument(
        "-o", "--output", choices=["table", "json"], default="table", help="output format"
    )
    p.set_defaults(func=cmd_plan)


def _add_sweep(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter

    p = sub.add_parser(
        "sweep",
        formatter_class=fmt,
        description=dedent("""\
            Build the treatments of a benchmark sweep from base values: the full factorial
            design of the --factor flags, or the treatments listed in a --design file (a
            YAML list of {KEY: VALUE} maps; with --factor too, each row is crossed with the
            factorial). A factor is KEY=V1,V2,... with each level in Helm --set syntax
            (2 is an int, true a bool, {a,b} a list; escape a comma as \\,). Levels are laid
            over all the base values, so they always win.

            Each treatment is validated and rendered as release NAME-<i> (i from 1). With
            --output-dir, DIR/NAME-<i>/values.yaml and manifests.yaml are written per valid
            treatment, plus DIR/treatments.json (id, release, levels, accelerators, and the
            problems of invalid treatments). Without it, a summary table is printed.
            Invalid treatments are reported and the others still rendered; the exit status
            is then 1.

            examples:
              modelservice sweep bench --preset sim --factor decode.replicas=1,2,4 \\
                  --factor prefill.replicas=0,1 --output-dir out/
              modelservice sweep tp -f base.yaml --factor decode.parallelism.tensor=1,2,4,8
              modelservice sweep mix -f base.yaml --design design.yaml -o json
            """),
    )
    p.add_argument("name", metavar="NAME", help="sweep name: prefix of the release names")
    p.add_argument("-n", "--namespace", default=None, help="namespace (default: 'default')")
    add_value_flags(p)
    add_chart_flags(p)
    g = p.add_argument_group("design")
    g.add_argument(
        "--factor",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...",
        help="a factor and its levels (repeat for a full factorial design)",
    )
    g.add_argument("--design", metavar="FILE", help="YAML list of treatments, {KEY: VALUE} each")
    p.add_argument("--output-dir", metavar="DIR", help="write values and manifests per treatment")
    p.add_argument(
        "-o", "--output", choices=["table", "json"], default="table", help="summary format"
    )
    p.set_defaults(func=cmd_sweep)


#: The parser builder of each command of this module.
_BUILDERS = {
    "presets": _add_presets,
    "plan": _add_plan,
    "sweep": _add_sweep,
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], command: str) -> None:
    """Add the parser of ``command`` (one of this module's) to ``sub``."""
    _BUILDERS[command](sub)


def cmd_presets(args: argparse.Namespace) -> int:
    from modelservice.presets import find_preset, list_presets

    dirs = preset_dirs(args)
    if args.action == "show":
        if not args.name:
            from modelservice.errors import ValuesError

            raise ValuesError("presets show needs a NAME; 'modelservice presets' lists them")
        sys.stdout.write(find_preset(args.name, dirs).text())
        return EXIT_OK
    if args.name:
        from modelservice.errors import ValuesError

        raise ValuesError(f"unexpected {args.name!r}; did you mean 'presets show {args.name}'?")
    presets = list_presets(dirs)
    width = max((len(p.name) for p in presets), default=0)
    for p in presets:
        mark = "" if p.builtin else f"  [{p.path}]"
        print(f"{p.name.ljust(width)}  {p.description}{mark}")
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    import json

    from modelservice.planning.plan import plan

    cluster = None
    if args.cluster or args.kubeconfig or args.kube_context:
        from modelservice.cluster.client import Cluster

        cluster = Cluster(kubeconfig=args.kubeconfig, context=args.kube_context)
    namespace = args.namespace or (cluster.namespace if cluster else "default")
    result = plan(load(args), release=args.release, namespace=namespace, cluster=cluster)
    if args.output == "json":
        print(json.dumps(result.as_dict(), indent=2))
    else:
        sys.stdout.write(result.format())
    return EXIT_DOES_NOT_FIT if result.fits is False else EXIT_OK


def cmd_sweep(args: argparse.Namespace) -> int:
    import json
    import time

    from modelservice.planning.sweep import format_sweep, sweep, write_sweep

    started = time.perf_counter()
    result = sweep(
        args.name,
        load(args),
        factors=args.factor,
        design=args.design,
        namespace=args.namespace or "default",
    )
    elapsed = time.perf_counter() - started
    for t in result.treatments:
        if t.warnings:
            print(f"{t.release}:", file=sys.stderr)
            print_warnings([_as_problem(w) for w in t.warnings])
    if args.output_dir:
        written = write_sweep(result, args.output_dir)
        print(
            f"wrote {len(result.treatments)} treatments ({len(written)} files) to "
            f"{args.output_dir} in {elapsed:.2f}s",
            file=sys.stderr,
        )
        for f in result.failures:
            print(f"treatment {f.id} ({f.release}) is invalid:", file=sys.stderr)
            for problem in f.problems:
                print(f"  - {problem}", file=sys.stderr)
    elif args.output == "json":
        print(json.dumps(result.as_dict(), indent=2, default=str))
    else:
        sys.stdout.write(format_sweep(result))
    if result.failures:
        n = len(result.failures)
        print(
            f"error: {n} of {n + len(result.treatments)} treatments are invalid",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return EXIT_OK


def _as_problem(text: str) -> Problem:
    return Problem("", text)


__all__ = ["EXIT_DOES_NOT_FIT", "register"]
