"""The model-serving workloads: a Deployment per role, or a LeaderWorkerSet in multinode."""

from __future__ import annotations

from modelservice.datatree import copy_tree
from modelservice.renderer import names
from modelservice.renderer.pod import pod_template
from modelservice.values.model import ModelService, Obj, Role


def _metadata(ms: ModelService, role: Role, labels: dict[str, str]) -> Obj:
    meta: Obj = {"name": names.role_name(ms, role.name), "labels": labels}
    if role.annotations:
        meta["annotations"] = dict(role.annotations)
    return meta


def deployment(ms: ModelService, role: Role) -> Obj:
    spec: Obj = {
        "replicas": role.replicas,  # 0 stays 0 (the chart turned it into 1)
        "selector": {"matchLabels": names.role_labels(ms, role.name)},
        "template": pod_template(ms, role, proxy=role.name == "decode"),
    }
    if role.strategy:
        spec["strategy"] = copy_tree(role.strategy)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(ms, role, names.common_labels()),
        "spec": spec,
    }


def leader_worker_set(ms: ModelService, role: Role) -> Obj:
    """A LeaderWorkerSet of ``replicas`` groups, each ``workers`` pods.

    Only the decode leader runs the routing proxy, so only decode (with the proxy enabled)
    gets a separate leader template; the InferencePool selects leaders by worker index.
    """
    lwt: Obj = {"size": role.parallelism.workers}
    if role.name == "decode" and ms.routing.proxy.enabled:
        lwt["leaderTemplate"] = pod_template(ms, role, proxy=True)
    lwt["workerTemplate"] = pod_template(ms, role, proxy=False)
    if role.sub_group_policy:
        lwt["subGroupPolicy"] = copy_tree(role.sub_group_policy)
    spec: Obj = {}
    if not role.autoscaling:
        spec["replicas"] = role.replicas
    spec["leaderWorkerTemplate"] = lwt
    if role.startup_policy:  # a field of the LeaderWorkerSet spec, not of its template
        spec["startupPolicy"] = role.startup_policy
    labels = {**names.common_labels(), **names.role_labels(ms, role.name)}
    return {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": _metadata(ms, role, labels),
        "spec": spec,
    }


def workload(ms: ModelService, role: Role) -> Obj:
    """The role's Deployment, or its LeaderWorkerSet in multinode."""
    return leader_worker_set(ms, role) if ms.multinode else deployment(ms, role)


def service_account(ms: ModelService) -> list[Obj]:
    """The ServiceAccount the model-serving pods run as, unless ``serviceAccountOverride``
    names an existing one. Rendered while decode or prefill is in the values, created or
    not, as the chart does: switching a role off and on again keeps the same object."""
    if ms.service_account_override or not ms.roles_present:
        return []
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": names.fullname(ms), "labels": names.common_labels()},
        }
    ]


def pod_monitors(ms: ModelService) -> list[tuple[str, Obj]]:
    """A prometheus-operator PodMonitor per created role that asks for one, with the
    role's name."""
    out = []
    for role in ms.roles:
        pm = role.pod_monitor
        if not role.create or pm is None:
            continue
        meta: Obj = {
            "name": names.role_name(ms, role.name),
            "labels": {**names.common_labels(), **pm["labels"]},
        }
        if pm["annotations"]:
            meta["annotations"] = dict(pm["annotations"])
        out.append(
            (
                role.name,
                {
                    "apiVersion": "monitoring.coreos.com/v1",
                    "kind": "PodMonitor",
                    "metadata": meta,
                    "spec": {
                        "selector": {"matchLabels": names.role_labels(ms, role.name)},
                        "podMetricsEndpoints": [
                            {"port": pm["port"], "path": pm["path"], "interval": pm["interval"]}
                        ],
                    },
                },
            )
        )
    return out
