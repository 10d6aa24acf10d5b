"""Rendering as an upstream chart release renders (``--chart-version``).

The default renderer (``renderer/``) implements the seed's chart with this tool's fixes and
additions, from a validated typed model. This package instead reproduces exactly what the
upstream chart at one release makes of the same values, bugs included, because that is what
users of that release have running; it works on the raw merged values, as templates do,
and asks :mod:`modelservice.charts.behaviour` for everything that changed between releases.
"""

from __future__ import annotations

from modelservice.charts.versions import ChartVersion
from modelservice.datatree import copy_tree
from modelservice.renderer.upstream import routing, workloads
from modelservice.renderer.upstream.context import ROLES, Ctx, Obj
from modelservice.renderer.upstream.gosem import fill_empty, truthy

TYPE_CHECKING = False  # typing's, without importing typing at run time (see _record)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["render"]


def render(
    values: dict[str, Any], *, release: str, namespace: str, chart: ChartVersion
) -> list[tuple[str, Obj]]:
    """The release's objects as ``(chart template file, object)`` pairs, in Helm's order.

    ``values`` are the merged values (the user's over the release's defaults). Raises
    :class:`~modelservice.renderer.upstream.context.ChartFailure` where ``helm template``
    would fail.
    """
    ctx = Ctx(values, release=release, namespace=namespace, chart=chart)
    b = ctx.b
    multinode = truthy(ctx.v("multinode"))
    out: list[tuple[str, Obj]] = []

    sa = workloads.service_account(ctx)
    if sa is not None:
        out.append(("serviceaccount.yaml", sa))

    # Workloads, in the order Helm executes their templates (reverse file-name order).
    # Before 0.2.0 each template merged its role's settings into the context all templates
    # share (sprig's merge fills what is missing or empty, deeply): a role rendered after
    # another takes the first one's pod settings, completed by its own.
    shared_pd_spec: Obj | None = None

    def pd_spec(role: str) -> Obj:
        nonlocal shared_pd_spec
        own = ctx.role(role)
        if not b.pdspec_leak:
            return own
        if shared_pd_spec is None:
            shared_pd_spec = copy_tree(own)
        else:
            fill_empty(shared_pd_spec, own)
        return shared_pd_spec

    requester = b.requester and truthy(ctx.v("requester", "enable"))
    for role in ("prefill", "decode"):
        own = ctx.role(role)
        if not truthy(own.get("create")):
            continue
        if multinode:
            out.append((f"{role}-lws.yaml", workloads.leader_worker_set(ctx, role, pd_spec(role))))
        elif role == "decode" and requester:
            out.append(("decode-requester-replicaset.yaml", workloads.requester_replica_set(ctx)))
        else:
            out.append((f"{role}-deployment.yaml", workloads.deployment(ctx, role, pd_spec(role))))

    if b.pod_monitors:
        for role in ROLES:
            pm = workloads.pod_monitor(ctx, role)
            if pm is not None:
                out.append((f"{role}-podmonitor.yaml", pm))

    if b.routing_objects:
        out += routing.epp_objects(ctx)
        pool = routing.inference_pool(ctx, multinode)
        if pool is not None:
            out.append(("inferencepool.yaml", pool))
        model = routing.inference_model(ctx)
        if model is not None:
            out.append(("inferencemodel.yaml", model))
        route = routing.http_route(ctx)
        if route is not None:
            out.append(("httproute.yaml", route))

    out += [("resource-claim-template.yaml", o) for o in workloads.resource_claim_templates(ctx)]
    if b.extra_objects:
        out += [("extra-objects.yaml", o) for o in workloads.extra_objects(ctx)]
    return _install_order(out)


#: Helm's install order of kinds (releaseutil.InstallOrder), the kinds this chart renders.
_KIND_ORDER = {
    kind: i
    for i, kind in enumerate(
        (
            "Namespace",
            "NetworkPolicy",
            "ResourceQuota",
            "LimitRange",
            "PodSecurityPolicy",
            "PodDisruptionBudget",
            "ServiceAccount",
            "Secret",
            "SecretList",
            "ConfigMap",
            "StorageClass",
            "PersistentVolume",
            "PersistentVolumeClaim",
            "CustomResourceDefinition",
            "ClusterRole",
            "ClusterRoleList",
            "ClusterRoleBinding",
            "ClusterRoleBindingList",
            "Role",
            "RoleList",
            "RoleBinding",
            "RoleBindingList",
            "Service",
            "DaemonSet",
            "Pod",
            "ReplicationController",
            "ReplicaSet",
            "Deployment",
            "HorizontalPodAutoscaler",
            "StatefulSet",
            "Job",
            "CronJob",
            "IngressClass",
            "Ingress",
            "APIService",
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        )
    )
}


def _install_order(items: list[tuple[str, Obj]]) -> list[tuple[str, Obj]]:
    """Helm sorts by kind (unknown kinds last), then by template file, stably."""
    unknown = len(_KIND_ORDER)
    return sorted(
        items, key=lambda item: (_KIND_ORDER.get(str(item[1].get("kind")), unknown), item[0])
    )
