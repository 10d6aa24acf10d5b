"""``modelservice operator``: the ModelService custom resource and its controller.

``manifests`` prints what installs the operator, ``run`` runs it against the current
kubeconfig, ``convert`` turns values into a ModelService.
"""

from __future__ import annotations

import argparse
import sys

from modelservice.cli.common import (
    EXIT_OK,
    HelpFormatter,
    add_chart_flags,
    add_value_flags,
    dedent,
    load,
    print_warnings,
)


def _add_operator(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    fmt = HelpFormatter
    op = sub.add_parser(
        "operator",
        formatter_class=fmt,
        description=dedent("""\
            A ModelService custom resource (modelservices.llm-d.ai, short name ms) holds
            the values of one release in its spec; the operator renders it with the same
            renderer as 'template' and applies the objects with the same server-side
            apply as 'install', owned by the ModelService.

            examples:
              modelservice operator manifests --image ghcr.io/me/modelservice:0.1.0 \\
                  | kubectl apply --server-side -f -
              modelservice operator convert -f values.yaml --name llama -n llm-d \\
                  | kubectl apply -f -
              modelservice operator run --namespace llm-d
            """),
    )
    osub = op.add_subparsers(dest="operator_command", metavar="SUBCOMMAND", required=True)

    p = osub.add_parser(
        "manifests",
        formatter_class=fmt,
        help="print the CRD, RBAC, ServiceAccount and Deployment that install the operator",
        description=dedent("""\
            Print every object that installs the operator: the ModelService CRD, kopf's
            peering CRDs, a least-privilege ClusterRole (or, with --watch-namespace, a
            Role per watched namespace and nothing cluster-wide), a ServiceAccount and
            the operator Deployment. It holds no custom resources, so one
            'kubectl apply --server-side -f -' installs it on a fresh cluster.

            The operator refuses, by default, what could give a ModelService's author
            more than the chart's objects (see README, "Operator security model");
            --allow relaxes that for the operator installed. Objects of kinds other
            than those the renderer makes (extraObjects) need RBAC rules added by hand
            and an --allow kind=.

            examples:
              modelservice operator manifests --image ghcr.io/me/modelservice:0.1.0 \\
                  | kubectl apply --server-side -f -
              # an admin installs the CRDs; a namespace admin installs the operator:
              modelservice operator manifests --crds-only | kubectl apply --server-side -f -
              modelservice operator manifests -n team-a --watch-namespace team-a \\
                  --namespace-scoped | kubectl apply --server-side -f -
            """),
    )
    from modelservice.operator.manifests import DEFAULT_IMAGE

    p.add_argument(
        "--image",
        default=DEFAULT_IMAGE,
        help="the operator image (default %(default)s); build your own from the "
        "Containerfile at the repository's root",
    )
    p.add_argument(
        "-n",
        "--namespace",
        default=None,
        help="namespace the operator runs in (default llm-d-modelservice-system)",
    )
    p.add_argument(
        "--watch-namespace",
        action="append",
        default=[],
        metavar="NS",
        help="watch only this namespace (repeatable; RBAC becomes a Role per namespace); "
        "default: all namespaces",
    )
    p.add_argument("--replicas", type=int, default=1, help="operator replicas (peered)")
    p.add_argument(
        "--standalone",
        action="store_true",
        help="no kopf peering (then never run more than one replica)",
    )
    p.add_argument(
        "--crds-only",
        action="store_true",
        help="print only the CRDs (ModelService and kopf's peering CRDs)",
    )
    p.add_argument(
        "--namespace-scoped",
        action="store_true",
        help="print only namespaced objects (no CRDs, no Namespace, no cluster-wide RBAC): "
        "what a namespace admin can apply; needs --watch-namespace",
    )
    _allow_flag(p)
    p.set_defaults(func=cmd_manifests)

    p = osub.add_parser(
        "run",
        formatter_class=fmt,
        help="run the operator against the current kubeconfig",
        description=dedent("""\
            Run the operator in the foreground until interrupted. It reconciles every
            ModelService of the watched namespaces on create, update and start-up, when
            one of their objects changes, and every --resync seconds.

            Peering (default): the operator takes part in kopf peering under --peering
            with a random --priority and pauses while a live peer has a higher or equal
            priority, so two operators never both act. The peering CRDs must be
            installed ('operator manifests --crds-only'); the peering object is created
            when missing. --standalone skips peering: run one operator only.
            """),
    )
    scope = p.add_mutually_exclusive_group()
    scope.add_argument(
        "-n",
        "--namespace",
        action="append",
        default=[],
        metavar="NS",
        help="watch this namespace (repeatable; default: the context's namespace)",
    )
    scope.add_argument("-A", "--all-namespaces", action="store_true", help="watch every namespace")
    p.add_argument("--kubeconfig", metavar="FILE", help="kubeconfig (default: $KUBECONFIG)")
    p.add_argument("--kube-context", metavar="NAME", help="kubeconfig context to use")
    p.add_argument("--standalone", action="store_true", help="run without kopf peering")
    p.add_argument("--peering", default="modelservice", help="peering name (default %(default)s)")
    p.add_argument("--priority", type=int, default=None, help="peering priority (default random)")
    p.add_argument(
        "--resync",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="reconcile every ModelService this often (default 60)",
    )
    p.add_argument("--workers", type=int, default=8, help="reconcile threads (default 8)")
    p.add_argument(
        "--liveness", metavar="URL", help="serve a liveness probe, e.g. http://0.0.0.0:8080/healthz"
    )
    p.add_argument(
        "--stats-file",
        metavar="FILE",
        help="keep reconcile statistics (counts, API requests per no-op reconcile) in FILE",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log every reconcile")
    p.add_argument("--debug", action="store_true", help="log kopf's and every API request")
    _allow_flag(p)
    p.set_defaults(func=cmd_run)

    p = osub.add_parser(
        "convert",
        formatter_class=fmt,
        help="print values as a ModelService custom resource",
        description=dedent("""\
            Print a ModelService whose spec is your values (only what you set, not the
            defaults), after checking them like 'validate'. With --chart-version the spec
            names that upstream chart release (spec.chartVersion), which the operator
            renders exactly as that release does.

            examples:
              modelservice operator convert -f values.yaml --set decode.replicas=2 \\
                  --name llama -n llm-d | kubectl apply -f -
              modelservice operator convert -f guide-values.yaml --chart-version 0.4.9 \\
                  --name llama -n llm-d | kubectl apply -f -
            """),
    )
    p.add_argument("--name", required=True, help="the ModelService's name (the release name)")
    p.add_argument("-n", "--namespace", default=None, help="its namespace (omitted if not given)")
    add_value_flags(p)
    add_chart_flags(p, skip_schema=False)
    p.set_defaults(func=cmd_convert)


def _allow_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="SETTING",
        help="let ModelServices have what the operator refuses by default (repeatable): "
        "rbac, host-namespaces, host-path, privileged, external-ips, node-ports, secrets, "
        "service-accounts, secret=NAME[,NAME], service-account=NAME[,NAME], "
        "kind=KIND[.GROUP][,...]",
    )


def cmd_manifests(args: argparse.Namespace) -> int:
    from modelservice.errors import ValuesError
    from modelservice.operator.crd import crd
    from modelservice.operator.manifests import (
        DEFAULT_NAMESPACE,
        manifests,
        peering_crds,
    )
    from modelservice.operator.policy import Policy, PolicyError
    from modelservice.output.yaml import dump

    try:
        Policy.parse(args.allow)
    except PolicyError as err:
        raise ValuesError(str(err)) from None
    if args.namespace_scoped and not args.watch_namespace:
        raise ValuesError("--namespace-scoped needs --watch-namespace (the namespaces to watch)")
    if args.crds_only:
        objects = [crd(), *peering_crds()]
    else:
        objects = manifests(
            image=args.image,
            namespace=args.namespace or DEFAULT_NAMESPACE,
            watch_namespaces=args.watch_namespace,
            replicas=args.replicas,
            peering=not args.standalone,
            namespace_scoped=args.namespace_scoped,
            allow=args.allow,
        )
    sys.stdout.write("".join(f"---\n{dump(o)}" for o in objects))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from modelservice.operator.runner import run

    run(
        namespaces=args.namespace,
        all_namespaces=args.all_namespaces,
        kubeconfig=args.kubeconfig,
        context=args.kube_context,
        standalone=args.standalone,
        peering=args.peering,
        priority=args.priority,
        resync=args.resync,
        liveness=args.liveness,
        workers=args.workers,
        stats_file=args.stats_file,
        verbose=args.verbose,
        debug=args.debug,
        allow=args.allow,
    )
    return EXIT_OK


def cmd_convert(args: argparse.Namespace) -> int:
    from modelservice.operator.crd import custom_resource
    from modelservice.output.yaml import dump
    from modelservice.pipeline import validate_values

    values = load(args)
    namespace = args.namespace or "default"
    if values.chart is not None:
        from modelservice.pipeline import render_release

        # refuses what helm would refuse, warns of keys the release does not read
        print_warnings(render_release(values, release=args.name, namespace=namespace).warnings)
        chart_version: str | None = values.chart.version
    else:
        print_warnings(validate_values(values, release=args.name, namespace=namespace).warnings)
        chart_version = None
    resource = custom_resource(args.name, values.user, args.namespace, chart_version=chart_version)
    sys.stdout.write(dump(resource))
    return EXIT_OK


#: The parser builder of each command of this module.
_BUILDERS = {
    "operator": _add_operator,
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser], command: str) -> None:
    """Add the parser of ``command`` (one of this module's) to ``sub``."""
    _BUILDERS[command](sub)
