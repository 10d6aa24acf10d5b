"""The whole release: every object in Helm's install order, and the chart template file
each one comes from."""

from __future__ import annotations

from modelservice.datatree import copy_items
from modelservice.renderer import routing, workloads
from modelservice.values.model import ModelService, Obj

#: The chart template that renders each EPP object, by kind (chart 0.0.9's file names).
_EPP_TEMPLATES = {
    "ServiceAccount": "epp-sa.yaml",
    "ConfigMap": "epp-plugin-configmap.yaml",  # v1 pools' picker configuration (0.2.x name)
    "Role": "epp-role.yaml",
    "RoleBinding": "epp-rolebinding.yaml",
    "Service": "epp-service.yaml",
    "Deployment": "epp-deployment.yaml",
}


def render_sources(ms: ModelService) -> tuple[list[Obj], list[str]]:
    """All objects of the release, in install order, and beside each the chart template
    file (``epp-service.yaml``) that renders it: 0.0.9's names, and for this
    tool's additions the names later chart versions gave them (``inferencemodel.yaml``,
    ``decode-podmonitor.yaml``, ``extra-objects.yaml``). ``template --show-only`` and
    ``--output-dir`` and the ``# Source:`` comments use them, as Helm does.

    ServiceAccounts, Roles, RoleBindings and Services come before the workloads that use
    them; the custom resources that refer to those workloads come after them; the user's
    ``extraObjects`` come last, exactly as written.
    """
    epp = {
        kind: [(_EPP_TEMPLATES[kind], o) for o in objs]
        for kind, objs in routing.epp_objects(ms).items()
    }
    pairs: list[tuple[str, Obj]] = []
    pairs += epp.get("ServiceAccount", [])
    pairs += [("serviceaccount.yaml", o) for o in workloads.service_account(ms)]
    pairs += epp.get("ConfigMap", [])
    pairs += epp.get("Role", [])
    pairs += epp.get("RoleBinding", [])
    pairs += epp.get("Service", [])
    suffix = "lws" if ms.multinode else "deployment"
    work = [
        (f"{role.name}-{suffix}.yaml", workloads.workload(ms, role))
        for role in ms.roles
        if role.create
    ]
    deployments = [p for p in work if p[1]["kind"] == "Deployment"] + epp.get("Deployment", [])
    pairs += sorted(deployments, key=lambda p: p[1]["metadata"]["name"])
    pairs += [p for p in work if p[1]["kind"] == "LeaderWorkerSet"]
    pairs += [("httproute.yaml", o) for o in routing.http_route(ms)]
    pairs += [("inferencepool.yaml", o) for o in routing.inference_pool(ms)]
    pairs += [("inferencemodel.yaml", o) for o in routing.inference_model(ms)]
    pairs += [(f"{role}-podmonitor.yaml", o) for role, o in workloads.pod_monitors(ms)]
    pairs += [("extra-objects.yaml", o) for o in copy_items(ms.extra_objects)]
    return [o for _, o in pairs], [s for s, _ in pairs]


def render_model(ms: ModelService) -> list[Obj]:
    """All objects of the release, in install order (see :func:`render_sources`)."""
    return render_sources(ms)[0]
