"""The model-serving workloads: a Deployment per role, or a LeaderWorkerSet in multinode."""

from __future__ import annotations

from modelservice.render import names
from modelservice.render.pod import pod_template
from modelservice.values.model import ModelService, Obj, Role


def deployment(ms: ModelService, role: Role) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": names.role_name(ms, role.name), "labels": names.common_labels()},
        "spec": {
            "replicas": role.replicas,  # F9: 0 stays 0
            "selector": {"matchLabels": names.role_labels(ms, role.name)},
            "template": pod_template(ms, role, proxy=role.name == "decode"),
        },
    }


def leader_worker_set(ms: ModelService, role: Role) -> Obj:
    """A LeaderWorkerSet of ``replicas`` groups, each ``data / dataLocal`` pods.

    Only the decode leader runs the routing proxy, so only decode gets a separate leader
    template; the InferencePool selects leaders by their worker index.
    """
    lwt: Obj = {"size": role.parallelism.workers}
    if role.name == "decode":
        lwt["leaderTemplate"] = pod_template(ms, role, proxy=True)
    lwt["workerTemplate"] = pod_template(ms, role, proxy=False)
    spec: Obj = {}
    if not role.autoscaling:
        spec["replicas"] = role.replicas
    spec["leaderWorkerTemplate"] = lwt
    return {
        "apiVersion": "leaderworkerset.x-k8s.io/v1",
        "kind": "LeaderWorkerSet",
        "metadata": {
            "name": names.role_name(ms, role.name),
            "labels": {**names.common_labels(), **names.role_labels(ms, role.name)},
        },
        "spec": spec,
    }


def workloads(ms: ModelService) -> list[Obj]:
    make = leader_worker_set if ms.multinode else deployment
    return [make(ms, role) for role in ms.roles if role.create]


def service_account(ms: ModelService) -> list[Obj]:
    """The ServiceAccount the model-serving pods run as, if any role is created."""
    if not any(role.create for role in ms.roles):
        return []
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": names.fullname(ms), "labels": names.common_labels()},
        }
    ]
