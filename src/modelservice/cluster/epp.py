"""What a release's endpoint picker (EPP) needs on the cluster, checked for ``status`` and
``--wait``.

A ready EPP Deployment says little: on a cluster its readiness probe is the picker's own
gRPC health (SERVING once it has read its pool), but a picker that never gets there shows
only "readiness probe failed". These checks name the missing piece instead, each with the
failure it causes (see the README, "What the real endpoint picker needs"):

- the InferencePool of its ``--pool-name``/``--pool-group``: without it, NOT_SERVING;
- the CRD of the objects it watches besides the pool (InferenceObjective for a v1-era
  picker, InferenceModel for a v1alpha2-era one): without it the picker cannot start;
- RBAC: its ServiceAccount must list pods, the pool and those objects (asked with a
  SubjectAccessReview, when the caller may create one);
- ready pods in the pool: with none, every request is refused (503).

Reads only; never builds a manifest. Every check is best effort: what the caller may not
read is left out rather than reported as a problem.
"""

from __future__ import annotations

from typing import Any

from modelservice.cluster.client import Api
from modelservice.cluster.errors import ClusterError
from modelservice.cluster.wait import pod_summary

Obj = dict[str, Any]

_V1_GROUP = "inference.networking.k8s.io"
_ALPHA_GROUP = "inference.networking.x-k8s.io"
#: pool group -> (pool apiVersion, the other kind the picker of that era watches)
_ERAS = {
    _V1_GROUP: (f"{_V1_GROUP}/v1", ("InferenceObjective", "inferenceobjectives")),
    _ALPHA_GROUP: (f"{_ALPHA_GROUP}/v1alpha2", ("InferenceModel", "inferencemodels")),
}


def is_epp(obj: Obj) -> bool:
    """An EPP Deployment of this tool's rendering: its container takes a pool name flag."""
    if obj.get("kind") != "Deployment":
        return False
    containers = (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get(
        "containers"
    ) or []
    args = (containers[0].get("args") or []) if containers else []
    return "--pool-name" in args or "--poolName" in args


def _flag(args: list[str], *names: str) -> str | None:
    for i, arg in enumerate(args[:-1]):
        if arg in names:
            return str(args[i + 1])
    return None


def check(cluster: Api, deployment: Obj, namespace: str) -> tuple[list[str], str]:
    """(problems, a one-line summary when there are none) for one EPP Deployment."""
    pod = deployment["spec"]["template"]["spec"]
    args = [str(a) for a in pod["containers"][0].get("args") or []]
    v1_flags = "--pool-name" in args
    pool_name = _flag(args, "--pool-name", "--poolName") or ""
    group = _flag(args, "--pool-group") or (_V1_GROUP if v1_flags else _ALPHA_GROUP)
    pool_ns = _flag(args, "--pool-namespace", "--poolNamespace") or namespace
    if group not in _ERAS:
        return [f"--pool-group {group!r} is no InferencePool API group"], ""
    api_version, (other_kind, other_plural) = _ERAS[group]
    problems: list[str] = []
    try:
        pool = cluster.get(api_version, "InferencePool", pool_name, pool_ns)
    except ClusterError as exc:
        return [f"cannot read its pool: {exc}"], ""
    if pool is None:
        problems.append(
            f"its InferencePool {pool_name!r} ({api_version}) does not exist: the picker "
            "stays NOT_SERVING"
        )
    try:
        cluster.resource_type(f"{_ALPHA_GROUP}/v1alpha2", other_kind)
    except ClusterError:
        problems.append(
            f"the {other_kind} CRD ({_ALPHA_GROUP}/v1alpha2) is not installed: the picker "
            "cannot start (it watches them)"
        )
    sa = pod.get("serviceAccountName") or "default"
    for what, resource, res_group in (
        ("pods", "pods", ""),
        ("its pool", "inferencepools", group),
        (f"{other_kind}s", other_plural, _ALPHA_GROUP),
    ):
        allowed = _may_list(cluster, sa, pool_ns, resource, res_group)
        if allowed is False:
            problems.append(
                f"ServiceAccount {sa!r} may not list {what} ({resource}): the picker "
                "never becomes ready (check routing.epp.permissions)"
            )
    ready = None
    if pool is not None:
        ready = _ready_pods(cluster, pool, pool_ns)
        if ready == 0:
            problems.append(
                f"InferencePool {pool_name!r} selects no ready pod: every request is refused"
            )
    if problems:
        return problems, ""
    pods = f", {ready} ready pod{'s' if ready != 1 else ''}" if ready is not None else ""
    return [], f"picks from InferencePool {pool_name}{pods}"


def _may_list(cluster: Api, sa: str, namespace: str, resource: str, group: str) -> bool | None:
    """Whether the ServiceAccount may list ``resource``; None when the caller may not ask."""
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "metadata": {"name": ""},
        "spec": {
            "user": f"system:serviceaccount:{namespace}:{sa}",
            "groups": ["system:serviceaccounts", f"system:serviceaccounts:{namespace}"],
            "resourceAttributes": {
                "namespace": namespace,
                "verb": "list",
                "group": group,
                "resource": resource,
            },
        },
    }
    try:
        answer = cluster.create(review)
    except ClusterError:
        return None
    return bool((answer.get("status") or {}).get("allowed"))


def _ready_pods(cluster: Api, pool: Obj, namespace: str) -> int | None:
    selector = (pool.get("spec") or {}).get("selector") or {}
    labels = selector.get("matchLabels", selector)  # v1 nests matchLabels; v1alpha2 does not
    if not isinstance(labels, dict) or not labels:
        return None
    try:
        pods = cluster.list("v1", "Pod", namespace=namespace, labels=dict(labels))
    except ClusterError:
        return None
    return pod_summary(pods)[0]
