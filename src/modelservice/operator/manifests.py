"""What installs the operator: its CRD, kopf's peering CRDs, least-privilege RBAC, a
ServiceAccount and the operator Deployment.

RBAC is least privilege for what the renderer can produce: read/write on exactly those
kinds (from the one kinds table, :data:`modelservice.kinds.RENDERED_KINDS`), status and
finalizers (for ``blockOwnerDeletion``) of ModelServices, Events, and - because Kubernetes
only lets a controller create a Role granting permissions it holds itself - the
permissions of the endpoint picker's Role (read pods, endpointslices, inference pools and
models; create token and subject access reviews), taken from the renderer. Objects of
other kinds in ``extraObjects`` need rules added by an administrator (and an ``--allow
kind=`` of the operator's policy); without them the ModelService reports ``Degraded`` with
the API server's "forbidden" message.

Cluster-wide (the default) the rules are a ClusterRole; with ``--watch-namespace`` they are
a Role in each watched namespace and nothing is granted cluster-wide (the operator then
does not observe namespaces or CRDs). ``namespace_scoped`` leaves out the CRDs and the
Namespace as well: what a namespace administrator can apply once an administrator has
installed the CRDs.

The output holds no custom resources, only definitions and built-in kinds, so that
``kubectl apply --server-side -f -`` takes it in one go on a fresh cluster (kubectl maps
every object's kind before the CRDs it creates are established). The peering objects are
created by the operator when it starts.

Peering: every replica runs ``modelservice operator run`` with kopf peering under the name
``modelservice`` and a random priority; a replica pauses while it sees a live peer with a
higher or equal priority, so two replicas never both act.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from modelservice.kinds import RENDERED_KINDS
from modelservice.naming import POOL_V1, POOL_V1ALPHA2
from modelservice.operator.crd import GROUP, PLURAL, crd

Obj = dict[str, Any]

DEFAULT_IMAGE = "ghcr.io/llm-d/llm-d-modelservice:0.1.0"
DEFAULT_NAMESPACE = "llm-d-modelservice-system"
NAME = "llm-d-modelservice-operator"
PEERING_NAME = "modelservice"
_RW = ["get", "list", "watch", "create", "update", "patch", "delete"]
_READ = ["get", "list", "watch"]

_PEERING_VERBS = ["get", "list", "watch", "patch", "create"]


def _child_resources() -> tuple[tuple[str, tuple[str, ...]], ...]:
    groups: dict[str, list[str]] = {}
    for k in RENDERED_KINDS:
        plurals = groups.setdefault(k.group, [])
        if k.plural not in plurals:
            plurals.append(k.plural)
    return tuple((g, tuple(p)) for g, p in groups.items())


#: (API group, resources) of the kinds the renderer produces.
CHILD_RESOURCES: tuple[tuple[str, tuple[str, ...]], ...] = _child_resources()


def _labels() -> dict[str, str]:
    return {"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "llm-d"}


def epp_rules() -> list[Obj]:
    """The rules of every Role the renderer can give the endpoint picker."""
    from modelservice.pipeline import render

    rules: list[Obj] = []
    for pool_api in (POOL_V1ALPHA2, POOL_V1):
        values = {"routing": {"inferencePool": {"apiVersion": pool_api}}}
        for obj in render(values, release="rbac"):
            if obj["kind"] == "Role":
                for rule in obj.get("rules") or []:
                    if rule not in rules:
                        rules.append(copy.deepcopy(rule))
    return rules


def namespaced_rules(*, peering: bool = True) -> list[Obj]:
    """What the operator needs in each namespace it watches."""
    rules: list[Obj] = [
        {"apiGroups": [GROUP], "resources": [PLURAL], "verbs": ["get", "list", "watch", "patch"]},
        {"apiGroups": [GROUP], "resources": [f"{PLURAL}/status"], "verbs": ["get", "patch"]},
        {"apiGroups": [GROUP], "resources": [f"{PLURAL}/finalizers"], "verbs": ["update"]},
    ]
    for group, resources in CHILD_RESOURCES:
        rules.append({"apiGroups": [group], "resources": list(resources), "verbs": list(_RW)})
    rules.append({"apiGroups": [""], "resources": ["events"], "verbs": ["create"]})
    rules.append({"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": ["create"]})
    if peering:
        rules.append(
            {"apiGroups": ["kopf.dev"], "resources": ["kopfpeerings"], "verbs": _PEERING_VERBS}
        )
    for rule in epp_rules():
        if rule not in rules:
            rules.append(rule)
    return rules


def cluster_rules(*, clusterwide: bool, peering: bool = True) -> list[Obj]:
    """What the operator needs cluster-wide: discovery of CRDs and namespaces (kopf's
    resource and namespace observers); with --all-namespaces, the namespaced rules too."""
    rules: list[Obj] = [
        {
            "apiGroups": ["apiextensions.k8s.io"],
            "resources": ["customresourcedefinitions"],
            "verbs": ["list", "watch"],
        },
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["list", "watch"]},
    ]
    if peering and clusterwide:
        rules.append(
            {
                "apiGroups": ["kopf.dev"],
                "resources": ["clusterkopfpeerings"],
                "verbs": _PEERING_VERBS,
            }
        )
    if clusterwide:
        rules += namespaced_rules(peering=peering)
    return rules


def peering_crds() -> list[Obj]:
    """kopf's peering CRDs (as in kopf's docs, peering.yaml)."""
    out = []
    for kind, plural, scope in (
        ("ClusterKopfPeering", "clusterkopfpeerings", "Cluster"),
        ("KopfPeering", "kopfpeerings", "Namespaced"),
    ):
        out.append(
            {
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": {"name": f"{plural}.kopf.dev"},
                "spec": {
                    "scope": scope,
                    "group": "kopf.dev",
                    "names": {"kind": kind, "plural": plural, "singular": kind.lower()},
                    "versions": [
                        {
                            "name": "v1",
                            "served": True,
                            "storage": True,
                            "schema": {
                                "openAPIV3Schema": {
                                    "type": "object",
                                    "properties": {
                                        "status": {
                                            "type": "object",
                                            "x-kubernetes-preserve-unknown-fields": True,
                                        }
                                    },
                                }
                            },
                        }
                    ],
                },
            }
        )
    return out


def peering_object(namespace: str | None, name: str = PEERING_NAME) -> Obj:
    meta: Obj = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    return {
        "apiVersion": "kopf.dev/v1",
        "kind": "KopfPeering" if namespace else "ClusterKopfPeering",
        "metadata": meta,
    }


def operator_deployment(
    *,
    image: str,
    namespace: str,
    watch_namespaces: Sequence[str],
    replicas: int = 1,
    peering: bool = True,
    allow: Sequence[str] = (),
) -> Obj:
    args = ["operator", "run", "--liveness", "http://0.0.0.0:8080/healthz"]
    args += [f"--allow={a}" for a in allow]
    if watch_namespaces:
        for ns in watch_namespaces:
            args += ["--namespace", ns]
    else:
        args.append("--all-namespaces")
    args += ["--peering", PEERING_NAME] if peering else ["--standalone"]
    labels = _labels()
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": NAME, "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": replicas,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": {"app.kubernetes.io/name": NAME}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": NAME,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [
                        {
                            "name": "operator",
                            "image": image,
                            "command": ["modelservice"],
                            "args": args,
                            "env": [{"name": "PYTHONUNBUFFERED", "value": "1"}],
                            "ports": [{"name": "health", "containerPort": 8080}],
                            "livenessProbe": {
                                "httpGet": {"path": "/healthz", "port": "health"},
                                "periodSeconds": 20,
                                "timeoutSeconds": 5,
                            },
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "128Mi"},
                                "limits": {"memory": "512Mi"},
                            },
                            "securityContext": {
                                "allowPrivilegeEscalation": False,
                                "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"]},
                            },
                        }
                    ],
                },
            },
        },
    }


def manifests(
    *,
    image: str = DEFAULT_IMAGE,
    namespace: str = DEFAULT_NAMESPACE,
    watch_namespaces: Sequence[str] = (),
    replicas: int = 1,
    peering: bool = True,
    namespace_scoped: bool = False,
    allow: Sequence[str] = (),
) -> list[Obj]:
    """Every object that installs the operator, in apply order (``namespace_scoped``:
    only the namespaced ones; needs ``watch_namespaces``)."""
    labels = _labels()
    clusterwide = not watch_namespaces
    if namespace_scoped and clusterwide:
        raise ValueError("a namespace-scoped install needs the namespaces to watch")
    objects: list[Obj] = []
    if not namespace_scoped:
        objects.append(crd())
        if peering:
            objects += peering_crds()
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": namespace, "labels": labels},
            }
        )
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": NAME, "namespace": namespace, "labels": labels},
        }
    )
    subject = [{"kind": "ServiceAccount", "name": NAME, "namespace": namespace}]
    if clusterwide:
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": {"name": NAME, "labels": labels},
                "rules": cluster_rules(clusterwide=clusterwide, peering=peering),
            }
        )
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": NAME, "labels": labels},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": NAME,
                },
                "subjects": copy.deepcopy(subject),
            }
        )
    for ns in watch_namespaces:
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": {"name": NAME, "namespace": ns, "labels": labels},
                "rules": namespaced_rules(peering=peering),
            }
        )
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": NAME, "namespace": ns, "labels": labels},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": NAME},
                "subjects": copy.deepcopy(subject),
            }
        )
    objects.append(
        operator_deployment(
            image=image,
            namespace=namespace,
            watch_namespaces=watch_namespaces,
            replicas=replicas,
            peering=peering,
            allow=allow,
        )
    )
    return objects
