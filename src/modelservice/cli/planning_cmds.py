"""Commands that plan before anything is applied: presets, plan, sweep, recommend."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from modelservice.cluster.client import Cluster
    from modelservice.planning.recommend.predict import Prediction
    from modelservice.values.layering import Values


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

            With llm-d-planner installed (the 'planner' extra) and decode pods pinned to a
            GPU type (decode.acceleratorTypes) for a model its data cover, it also prints
            the predicted capacity of one decode replica and of all of them, per use case
            (within the use case's SLO targets), and the hourly cost of the decode GPUs.

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
    _add_cluster_flags(p, "check against the cluster's nodes now (current kubeconfig context)")
    p.add_argument(
        "--use-case",
        metavar="NAME",
        help="predicted capacity for this use case only (with llm-d-planner installed)",
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

            With --use-case (and llm-d-planner installed, the 'planner' extra), each
            treatment also gets llm-d-planner's predicted capacity per decode replica, in
            total, and the hourly cost of its decode GPUs (see 'modelservice plan --help').

            examples:
              modelservice sweep bench --preset sim --factor decode.replicas=1,2,4 \\
                  --factor prefill.replicas=0,1 --output-dir out/
              modelservice sweep tp -f base.yaml --factor decode.parallelism.tensor=1,2,4,8
              modelservice sweep mix -f base.yaml --design design.yaml -o json
              modelservice sweep tp -f values.yaml --factor decode.parallelism.tensor=1,2,4 \\
                  --use-case chatbot_conversational
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
        "--use-case",
        metavar="NAME",
        help="add each treatment's predicted capacity and cost for this use case "
        "(needs the 'planner' extra, llm-d-planner)",
    )
    p.add_argument(
        "-o", "--output", choices=["table", "json"], default="table", help="summary format"
    )
    p.set_defaults(func=cmd_sweep)


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

    cluster = _cluster(args)
    namespace = args.namespace or (cluster.namespace if cluster else "default")
    values = load(args)
    _check_use_case(args.use_case, values)
    result = plan(values, release=args.release, namespace=namespace, cluster=cluster)
    prediction = None
    if values.chart is None:
        prediction = _prediction(values, args.release, namespace, args.use_case)
    if args.output == "json":
        out = result.as_dict()
        if prediction is not None:
            out["prediction"] = prediction.as_dict()
        print(json.dumps(out, indent=2))
    else:
        sys.stdout.write(result.format())
        if prediction is not None:
            from modelservice.planning.recommend.predict import format_prediction

            sys.stdout.write("\n" + format_prediction(prediction))
    return EXIT_DOES_NOT_FIT if result.fits is False else EXIT_OK


def _check_use_case(use_case: str | None, values: Values) -> None:
    """A use case asked for explicitly: fail early if llm-d-planner, the use case or the
    values' mode rule the prediction out, rather than print a plan or sweep without it."""
    if use_case is None:
        return
    if values.chart is not None:
        from modelservice.planning.recommend.options import RequestError

        raise RequestError(
            Problem(
                "--use-case",
                "predicted capacity reads the values as this tool's default mode does; it "
                "is not available with --chart-version",
            )
        )
    from modelservice.planning.recommend.predict import check_use_case

    check_use_case(use_case)


def _prediction(
    values: Values | dict[str, Any], release: str, namespace: str, use_case: str | None
) -> Prediction | None:
    """llm-d-planner's prediction for the values (None without it, without GPUs, or for an
    upstream chart release's values, which the default mode's model does not describe)."""
    from modelservice.planning.recommend.predict import prediction_for_values

    return prediction_for_values(values, release=release, namespace=namespace, use_case=use_case)


def cmd_sweep(args: argparse.Namespace) -> int:
    import json
    import time

    from modelservice.planning.sweep import format_sweep, sweep, write_sweep

    base = load(args)
    _check_use_case(args.use_case, base)
    started = time.perf_counter()
    namespace = args.namespace or "default"
    result = sweep(
        args.name,
        base,
        factors=args.factor,
        design=args.design,
        namespace=namespace,
    )
    elapsed = time.perf_counter() - started
    predictions = None
    if args.use_case is not None:
        predictions = {
            t.id: _prediction(t.values, t.release, namespace, args.use_case)
            for t in result.treatments
        }
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
        out = result.as_dict()
        if predictions is not None:
            for t in out["treatments"]:
                p = predictions.get(t["id"])
                t["prediction"] = p.as_dict() if p is not None else None
        print(json.dumps(out, indent=2, default=str))
    else:
        columns, notes = _prediction_columns(predictions, args.use_case)
        sys.stdout.write(format_sweep(result, columns, notes))
    if result.failures:
        n = len(result.failures)
        print(
            f"error: {n} of {n + len(result.treatments)} treatments are invalid",
            file=sys.stderr,
        )
        return EXIT_ERROR
    return EXIT_OK


def _prediction_columns(
    predictions: dict[int, Prediction | None] | None, use_case: str | None
) -> tuple[list[tuple[str, dict[int, str]]], list[str]]:
    """The sweep table's prediction columns, and why some treatments have none."""
    from modelservice.planning.recommend.predict import rate_text

    if predictions is None or use_case is None:
        return [], []
    per, total, cost = {}, {}, {}
    notes = []
    for tid, p in predictions.items():
        c = p.capacity(use_case) if p is not None else None
        why = None if p is None else p.reason or (c.note if c else None)
        if p is None:
            why = "no GPUs requested by decode pods"
        if why is not None:
            notes.append(f"treatment {tid}: no prediction ({why})")
        per[tid] = rate_text(c.per_replica if c else None)
        total[tid] = rate_text(c.total if c else None)
        cost[tid] = "-" if p is None or p.cost_per_hour is None else f"{p.cost_per_hour:,.2f}"
    return [("REQ/S/REPLICA", per), ("REQ/S", total), ("$/HOUR", cost)], notes


def _as_problem(text: str) -> Problem:
    return Problem("", text)


__all__ = ["EXIT_DOES_NOT_FIT", "register"]


def _add_cluster_flags(p: argparse.ArgumentParser, what: str) -> argparse._ArgumentGroup:
    """--cluster (saying ``what`` it does) and the kubeconfig flags that imply it."""
    g = p.add_argument_group("cluster")
    g.add_argument("--cluster", action="store_true", help=what)
    g.add_argument("--kube-context", metavar="NAME", help="kubeconfig context (implies --cluster)")
    g.add_argument(
        "--kubeconfig",
        metavar="FILE",
        help="kubeconfig file (implies --cluster; default: $KUBECONFIG or ~/.kube/config)",
    )
    return g


def _cluster(args: argparse.Namespace) -> Cluster | None:
    """The cluster the flags name, if any of them is given."""
    if not (args.cluster or args.kubeconfig or args.kube_context):
        return None
    from modelservice.cluster.client import Cluster

    return Cluster(kubeconfig=args.kubeconfig, context=args.kube_context)


def _register_recommend(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "recommend",
        formatter_class=HelpFormatter,
        description=dedent("""\
            Rank deployment options (model, GPU type, tensor parallelism, replicas) for a
            use case and a number of users, from llm-d-planner's bundled benchmark data
            (the 'planner' extra: pip install 'llm-d-modelservice[planner]'). The use case
            and users give a peak request rate, token lengths and p95 SLO targets
            (llm-d-planner's templates, or --ttft/--itl/--e2e and the token flags); each
            benchmark that meets the targets becomes an option with the replicas the rate
            needs (20% headroom) and its cost from the GPU catalog. The table shows one
            option per model, ranked in the chosen view, with the predicted p95 latencies,
            throughput, cost per hour and month, SLO status, and whether the figures are
            measured benchmarks or estimates as the data mark them.

            --cluster keeps only the GPU types the cluster's nodes name in their
            nvidia.com/gpu.product labels (matched through the catalog's aliases) and says
            for each option whether its pods fit on the nodes now (as 'plan --cluster').

            --pick N writes option N's values (decode pods with the option's parallelism,
            replicas and GPU node affinity, the model from Hugging Face), headed by a
            comment saying where each number came from: to --output FILE, or to standard
            output.

            Only the planner's offline parts are used: never its Hugging Face hub look-ups
            (estimates for models without benchmarks), LLM intent extraction or catalog
            sync. When the data do not cover what was asked, the error says so.
            Exit status: 0, 1 for errors or no option, 3 when the picked option does not fit
            the cluster (its values are still written).

            examples:
              modelservice recommend --use-case chatbot_conversational --users 1000
              modelservice recommend --use-case code_completion --users 500 --gpu H100 \\
                  --latency-priority high --max-monthly-cost 20000 -o json
              modelservice recommend --use-case chatbot_conversational --users 1000 \\
                  --cluster --pick 1 --output values.yaml
              modelservice recommend --list use-cases
            """),
    )
    g = p.add_argument_group("workload")
    g.add_argument("--use-case", metavar="NAME", help="the use case ('--list use-cases')")
    g.add_argument("--users", type=int, metavar="N", help="number of users")
    g.add_argument("--prompt-tokens", type=int, metavar="N", help="prompt length (tokens)")
    g.add_argument("--output-tokens", type=int, metavar="N", help="output length (tokens)")
    g.add_argument("--ttft", type=int, metavar="MS", help="p95 time-to-first-token target")
    g.add_argument("--itl", type=int, metavar="MS", help="p95 inter-token latency target")
    g.add_argument("--e2e", type=int, metavar="MS", help="p95 end-to-end latency target")
    g = p.add_argument_group("choices")
    g.add_argument(
        "--gpu",
        action="append",
        default=[],
        metavar="TYPE[:MAX]",
        help="consider this GPU type (catalog name, alias or node label; repeatable or "
        "comma-separated); :MAX caps the GPUs per replica",
    )
    g.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="ID",
        help="consider this model (Hugging Face id; repeatable or comma-separated)",
    )
    for aspect in ("quality", "cost", "latency"):
        g.add_argument(
            f"--{aspect}-priority",
            choices=["low", "medium", "high"],
            default="medium",
            help=f"weight of {aspect} in the balanced view (default: medium)",
        )
    g.add_argument("--max-monthly-cost", type=float, metavar="USD", help="leave out dearer options")
    g.add_argument(
        "--view",
        choices=["balanced", "best-quality", "lowest-cost", "lowest-latency"],
        default="balanced",
        help="ranking (default: balanced)",
    )
    g.add_argument("--top", type=int, default=10, metavar="N", help="options shown (default 10)")
    g = _add_cluster_flags(p, "only the cluster's GPU types; mark options that do not fit now")
    g.add_argument(
        "-n",
        "--namespace",
        default=None,
        help="namespace the fit is checked for (default: context's)",
    )
    g = p.add_argument_group("output")
    g.add_argument("--pick", type=int, metavar="N", help="the values of option N")
    g.add_argument("--output", metavar="FILE", help="with --pick: write the values to FILE")
    g.add_argument(
        "-o", "--format", choices=["table", "json"], default="table", help="output format"
    )
    g.add_argument(
        "--list",
        choices=["use-cases", "gpus", "models"],
        help="list what llm-d-planner's data know, and exit",
    )
    p.set_defaults(func=cmd_recommend)


def _split(items: list[str]) -> list[str]:
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def cmd_recommend(args: argparse.Namespace) -> int:
    import json

    from modelservice.planning.recommend.options import RequestError

    if args.list:
        return _recommend_list(args.list)
    missing = [flag for flag, v in (("--use-case", args.use_case), ("--users", args.users))
               if v is None]  # fmt: skip
    if missing:
        raise RequestError(
            [Problem(f, "required (or --list use-cases|gpus|models)") for f in missing]
        )
    if args.output is not None and args.pick is None:
        hint = f"; for {args.output} output use -o {args.output}" if args.output in (
            "json", "table") else ""  # fmt: skip
        raise RequestError(
            Problem("--output", "writes the values of the option chosen with --pick" + hint)
        )
    from modelservice.planning.recommend.options import recommend, write_values

    cluster = _cluster(args)
    rec = recommend(
        args.use_case,
        args.users,
        gpus=_split(args.gpu),
        models=_split(args.model),
        priorities={
            "quality": args.quality_priority,
            "cost": args.cost_priority,
            "latency": args.latency_priority,
        },
        max_cost_per_month=args.max_monthly_cost,
        ttft_ms=args.ttft,
        itl_ms=args.itl,
        e2e_ms=args.e2e,
        prompt_tokens=args.prompt_tokens,
        output_tokens=args.output_tokens,
        view=args.view,
        top=args.top,
        cluster=cluster,
        namespace=args.namespace or (cluster.namespace if cluster else "default"),
    )
    if args.pick is None:
        if args.format == "json":
            print(json.dumps(rec.as_dict(), indent=2))
        else:
            sys.stdout.write(rec.format())
        return EXIT_OK
    option = rec.option(args.pick)
    if args.output is None:
        if args.format == "json":
            doc = {"option": option.as_dict(), "values": rec.values(args.pick)}
            print(json.dumps(doc, indent=2))
        else:
            sys.stdout.write(rec.values_yaml(args.pick))
    else:
        write_values(rec, args.pick, args.output)
        if args.format == "json":
            print(json.dumps(rec.as_dict(), indent=2))
        else:
            sys.stdout.write(rec.format())
        print(
            f"wrote {args.output}: option {option.rank}, {option.model} on "
            f"{option.gpus_total} x {option.gpu} ({option.replicas} replica"
            f"{'s' if option.replicas != 1 else ''} of tensor parallel "
            f"{option.tensor_parallel})",
            file=sys.stderr,
        )
    if option.fits is False:
        print(
            f"warning: option {option.rank} does not fit the cluster now: {option.fit_reason}",
            file=sys.stderr,
        )
        return EXIT_DOES_NOT_FIT
    return EXIT_OK


def _recommend_list(what: str) -> int:
    from modelservice.planning.recommend.source import load as load_planner

    data = load_planner()
    if what == "use-cases":
        for case in data.use_cases():
            spec, _ = data.spec(case, 1, priorities=dict.fromkeys(("quality", "cost", "latency"),
                                                                   "medium"))  # fmt: skip
            print(
                f"{case:<28} {spec.prompt_tokens}/{spec.output_tokens} tokens, p95 TTFT "
                f"{spec.ttft_ms} ms, ITL {spec.itl_ms} ms, E2E {spec.e2e_ms} ms"
            )
    elif what == "gpus":
        in_data = set(data.gpus_in_data())
        for g in data.gpu_types():
            mark = "benchmarks" if g.name in in_data else "no benchmarks"
            print(
                f"{g.name:<8} {g.label:<26} {g.memory_gb:>4} GB  ${g.cost_per_hour:.2f}/h  {mark}"
            )
    else:
        for m in data.models_in_data():
            entry = data.model(m)
            gpus = sorted({f"{g} x{n}" for mm, g, n, _, _ in data.coverage if mm == m})
            size = entry.size if entry else "?"
            print(f"{m:<62} {size:<5} {', '.join(gpus)}")
    return EXIT_OK


#: The parser builder of each command of this module.
_BUILDERS = {
    "presets": _add_presets,
    "plan": _add_plan,
    "sweep": _add_sweep,
    "recommend": _register_recommend,
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], command: str) -> None:
    """Add the parser of ``command`` (one of this module's) to ``sub``."""
    _BUILDERS[command](sub)
