"""``modelservice operator run``: the operator against the current kubeconfig (or in the
cluster), with kopf peering so that several replicas never act at once."""

from __future__ import annotations

import logging
import os
import random
from collections.abc import Sequence

from modelservice.cluster.client import Cluster, ClusterError
from modelservice.cluster.errors import AlreadyExists, KindNotServed
from modelservice.operator.crd import API_VERSION, CRD_NAME, KIND
from modelservice.operator.manifests import PEERING_NAME, peering_object

INSTALL_HINT = "install it with 'modelservice operator manifests --crds-only | kubectl apply -f -'"
#: Log lines name their logger in full (kopf's default format cuts names at 20 characters).
LOG_FORMAT = "[%(asctime)s] %(name)s [%(levelname)s] %(message)s"


def run(
    *,
    namespaces: Sequence[str] = (),
    all_namespaces: bool = False,
    kubeconfig: str | None = None,
    context: str | None = None,
    standalone: bool = False,
    peering: str = PEERING_NAME,
    priority: int | None = None,
    resync: float = 60.0,
    liveness: str | None = None,
    workers: int = 8,
    stats_file: str | None = None,
    verbose: bool = False,
    debug: bool = False,
    allow: Sequence[str] = (),
) -> None:
    """Run the operator until interrupted (SIGINT/SIGTERM). ``allow`` lists the
    ``--allow`` settings of its policy (see :mod:`modelservice.operator.policy`)."""
    try:
        import kopf
    except ImportError:  # pragma: no cover - depends on the install
        raise ClusterError(
            "the operator needs kopf: pip install 'llm-d-modelservice[operator]'"
        ) from None

    from modelservice.operator.handlers import (
        KopfView,
        OperatorState,
        build_registry,
        own_identity,
    )
    from modelservice.operator.manifests import epp_rules
    from modelservice.operator.policy import Policy, PolicyError
    from modelservice.operator.reconciler import OperatorCluster, Reconciler

    try:
        policy = Policy.parse(allow, epp_rules=epp_rules())
    except PolicyError as err:
        raise ClusterError(str(err)) from None
    cluster = OperatorCluster(kubeconfig=kubeconfig, context=context)
    watch = [] if all_namespaces else list(namespaces or [cluster.namespace])
    try:
        cluster.resource_type(API_VERSION, KIND)
    except ClusterError:
        raise ClusterError(f"the CRD {CRD_NAME} is not installed: {INSTALL_HINT}") from None
    if priority is None:
        priority = random.randint(1, 2**31 - 1)
    if not standalone:
        ensure_peering(cluster, peering, watch)
    view = KopfView()
    identity = own_identity()
    state = OperatorState(
        cluster=cluster,
        view=view,
        reconciler=Reconciler(
            cluster,
            view,
            stats_file=stats_file,
            policy=policy,
            identity=identity,
            workers=workers,
        ),
        resync=resync,
        workers=workers,
        standalone=standalone,
        peering=peering,
        priority=priority,
        identity=identity,
        clusterwide=all_namespaces,
        namespaces=watch,
    )
    kopf.configure(debug=debug)
    for handler in logging.getLogger().handlers:
        formatter = handler.formatter
        if formatter is not None:
            try:
                handler.setFormatter(type(formatter)(LOG_FORMAT))
            except TypeError:
                handler.setFormatter(logging.Formatter(LOG_FORMAT))
    for name in ("httpx", "httpx2", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.WARNING)
    # kopf logs every handler and indexer call at INFO; keep that for --verbose.
    logging.getLogger("kopf.objects").setLevel(
        logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    )
    logging.getLogger("modelservice.operator").setLevel(
        logging.DEBUG if debug or verbose else logging.INFO
    )
    where = "all namespaces" if all_namespaces else ", ".join(watch)
    mode = "standalone" if standalone else f"peering {peering!r}, priority {priority}"
    allowed = " ".join(policy.args()) or "nothing beyond the chart's objects"
    logging.getLogger(__name__).info(
        "modelservice operator %s (pid %d) watching %s (%s); policy allows %s",
        state.identity,
        os.getpid(),
        where,
        mode,
        allowed,
    )
    kopf.run(
        registry=build_registry(state),
        clusterwide=all_namespaces,
        namespaces=watch,
        standalone=standalone,
        peering_name=None if standalone else peering,
        priority=priority,
        identity=state.identity,  # type: ignore[arg-type]  # kopf's Identity is a NewType of str
        liveness_endpoint=liveness,
    )


def ensure_peering(cluster: Cluster, name: str, namespaces: Sequence[str]) -> None:
    """Create the kopf peering object(s) when missing (peering is mandatory here: a missing
    object would pause the operator forever)."""
    targets: list[str | None] = list(namespaces) if namespaces else [None]
    for ns in targets:
        obj = peering_object(ns, name)
        try:
            if cluster.get(obj["apiVersion"], obj["kind"], name, ns) is None:
                cluster.create(obj)
        except KindNotServed:
            raise ClusterError(
                f"kopf's peering CRDs are not installed: {INSTALL_HINT}, "
                "or run with --standalone (then run only one operator)"
            ) from None
        except AlreadyExists:
            pass  # another replica created it first
