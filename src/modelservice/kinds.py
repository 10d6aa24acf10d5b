"""What makes two Kubernetes objects the same object, and what this tool knows about kinds.

Identity is (API group, kind, namespace, name): the version is not part of it, because the
API server serves one object under every version of its group (an ``apps/v1beta2``
Deployment named like the release's ``apps/v1`` decode Deployment *is* that Deployment). A
few kinds moved between groups and are still served under both (``extensions``
Deployments are ``apps`` Deployments); those are folded into their current group.
Cluster-scoped objects have the namespace ``""`` whatever their manifest says.

The renderer's clash check, the release lifecycle and the operator all compare objects with
:func:`identity`, and the operator's watches and RBAC rules derive from :data:`KINDS`, so
that "the same object" and "a kind we make" are each written once. Pure data, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from modelservice.naming import POOL_V1, POOL_V1ALPHA2


def group_of(api_version: str) -> str:
    """The API group of an ``apiVersion`` (``""`` for the core group's ``v1``)."""
    return api_version.rpartition("/")[0]


class Kind(NamedTuple):
    """One kind as the API server serves it."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool
    rendered: bool = False
    """Whether the renderer can produce it (the operator watches and may write these)."""

    @property
    def group(self) -> str:
        return group_of(self.api_version)


#: Every kind the renderer can produce, then well-known kinds whose scope matters to the
#: lifecycle (cluster-scoped entries in a release record) and to the operator's policy.
KINDS: tuple[Kind, ...] = (
    Kind("v1", "ServiceAccount", "serviceaccounts", True, rendered=True),
    Kind("v1", "Service", "services", True, rendered=True),
    Kind("rbac.authorization.k8s.io/v1", "Role", "roles", True, rendered=True),
    Kind("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", True, rendered=True),
    Kind("apps/v1", "Deployment", "deployments", True, rendered=True),
    Kind("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet", "leaderworkersets", True, rendered=True),
    Kind("gateway.networking.k8s.io/v1", "HTTPRoute", "httproutes", True, rendered=True),
    Kind(POOL_V1ALPHA2, "InferencePool", "inferencepools", True, rendered=True),
    Kind(POOL_V1ALPHA2, "InferenceModel", "inferencemodels", True, rendered=True),
    Kind(POOL_V1, "InferencePool", "inferencepools", True, rendered=True),
    Kind("monitoring.coreos.com/v1", "PodMonitor", "podmonitors", True, rendered=True),
    Kind("v1", "ConfigMap", "configmaps", True, rendered=True),
    # upstream chart releases only (--chart-version): the requester (0.3.4 on), DRA claims
    Kind("apps/v1", "ReplicaSet", "replicasets", True, rendered=True),
    Kind(
        "resource.k8s.io/v1",
        "ResourceClaimTemplate",
        "resourceclaimtemplates",
        True,
        rendered=True,
    ),
    # namespaced
    Kind("v1", "Secret", "secrets", True),
    Kind("v1", "Pod", "pods", True),
    Kind("v1", "PersistentVolumeClaim", "persistentvolumeclaims", True),
    Kind("v1", "ReplicationController", "replicationcontrollers", True),
    Kind("v1", "Endpoints", "endpoints", True),
    Kind("v1", "Event", "events", True),
    Kind("v1", "LimitRange", "limitranges", True),
    Kind("v1", "ResourceQuota", "resourcequotas", True),
    Kind("apps/v1", "StatefulSet", "statefulsets", True),
    Kind("apps/v1", "DaemonSet", "daemonsets", True),
    Kind("apps/v1", "ControllerRevision", "controllerrevisions", True),
    Kind("batch/v1", "Job", "jobs", True),
    Kind("batch/v1", "CronJob", "cronjobs", True),
    Kind("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True),
    Kind("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", True),
    Kind("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", True),
    Kind("networking.k8s.io/v1", "Ingress", "ingresses", True),
    Kind("discovery.k8s.io/v1", "EndpointSlice", "endpointslices", True),
    Kind("coordination.k8s.io/v1", "Lease", "leases", True),
    Kind("gateway.networking.k8s.io/v1", "Gateway", "gateways", True),
    Kind("gateway.networking.k8s.io/v1", "GRPCRoute", "grpcroutes", True),
    Kind("gateway.networking.k8s.io/v1beta1", "ReferenceGrant", "referencegrants", True),
    Kind("monitoring.coreos.com/v1", "ServiceMonitor", "servicemonitors", True),
    # cluster-scoped
    Kind("v1", "Namespace", "namespaces", False),
    Kind("v1", "Node", "nodes", False),
    Kind("v1", "PersistentVolume", "persistentvolumes", False),
    Kind("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", False),
    Kind("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", False),
    Kind("apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", False),
    Kind(
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        False,
    ),
    Kind(
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        False,
    ),
    Kind(
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicy",
        "validatingadmissionpolicies",
        False,
    ),
    Kind(
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicyBinding",
        "validatingadmissionpolicybindings",
        False,
    ),
    Kind("scheduling.k8s.io/v1", "PriorityClass", "priorityclasses", False),
    Kind("storage.k8s.io/v1", "StorageClass", "storageclasses", False),
    Kind("storage.k8s.io/v1", "CSIDriver", "csidrivers", False),
    Kind("networking.k8s.io/v1", "IngressClass", "ingressclasses", False),
    Kind("node.k8s.io/v1", "RuntimeClass", "runtimeclasses", False),
    Kind("gateway.networking.k8s.io/v1", "GatewayClass", "gatewayclasses", False),
    Kind(
        "certificates.k8s.io/v1", "CertificateSigningRequest", "certificatesigningrequests", False
    ),
)

#: Kinds still served under an old group as well as their current one: the same objects.
_MOVED: dict[tuple[str, str], str] = {
    ("extensions", "Deployment"): "apps",
    ("extensions", "DaemonSet"): "apps",
    ("extensions", "ReplicaSet"): "apps",
    ("extensions", "Ingress"): "networking.k8s.io",
    ("extensions", "NetworkPolicy"): "networking.k8s.io",
    ("events.k8s.io", "Event"): "",
}

_BY_GROUP_KIND: dict[tuple[str, str], Kind] = {}
for _k in KINDS:
    _BY_GROUP_KIND.setdefault((_k.group, _k.kind), _k)

#: The kinds the renderer produces, in table order.
RENDERED_KINDS: tuple[Kind, ...] = tuple(k for k in KINDS if k.rendered)


def canonical_group(group: str, kind: str) -> str:
    """The group a kind is served under today (``extensions`` Deployments are ``apps``)."""
    return _MOVED.get((group, kind), group)


def known(api_version: str, kind: str) -> Kind | None:
    """The table's entry for a kind, by group (any version), or None."""
    group = group_of(api_version)
    return _BY_GROUP_KIND.get((canonical_group(group, kind), kind))


class Identity(NamedTuple):
    """What makes two objects the same object on a cluster."""

    group: str
    kind: str
    namespace: str
    """``""`` for cluster-scoped objects."""
    name: str

    def __str__(self) -> str:
        where = f' in namespace "{self.namespace}"' if self.namespace else ""
        return f'{self.kind} "{self.name}"{where}'

    @property
    def short(self) -> str:
        """``Kind/name``, as kubectl prints it."""
        return f"{self.kind}/{self.name}"


def identity(obj: Mapping[str, Any], namespace: str, *, namespaced: bool | None = None) -> Identity:
    """The identity of ``obj`` when applied with ``namespace`` as the default namespace.

    ``namespaced`` says whether the kind is namespaced (from the cluster's discovery);
    without it the table above decides, and a kind it does not know counts as namespaced.
    """
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping):
        meta = {}
    kind = str(obj.get("kind") or "")
    api_version = str(obj.get("apiVersion") or "")
    group = canonical_group(group_of(api_version), kind)
    if namespaced is None:
        entry = _BY_GROUP_KIND.get((group, kind))
        namespaced = entry.namespaced if entry is not None else True
    ns = str(meta.get("namespace") or namespace) if namespaced else ""
    return Identity(group, kind, ns, str(meta.get("name") or ""))
