"""Readiness of a release's objects: one predicate per kind, and why a pod is not ready.

A table of predicates (after ansible kubernetes.core's waiter) keeps the rules for each
kind in one place; kinds without a predicate are ready once they exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]


@dataclass(frozen=True)
class Readiness:
    """How far one object is from ready, in words a status table can show."""

    kind: str
    name: str
    ready: bool
    progress: str
    """``2/3 pods``, ``Accepted``, ``exists`` ..."""
    detail: str = ""
    """Why it is not ready yet (first pending pod's reason, a condition's message)."""


def _deployment(obj: Obj) -> tuple[bool, str]:
    """Rolled out, as ``kubectl rollout status`` judges it: the controller saw the latest
    spec, every replica is updated and available, and no old replica is left."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = spec.get("replicas", 1)
    ready = status.get("readyReplicas", 0)
    updated = status.get("updatedReplicas", 0)
    available = status.get("availableReplicas", 0)
    total = status.get("replicas", 0)
    current = status.get("observedGeneration", 0) >= obj["metadata"].get("generation", 0)
    ok = current and updated >= desired and total <= updated and available >= desired
    ok = ok and ready >= desired
    progress = f"{ready}/{desired} pods"
    if total > updated:
        progress += f" ({total - updated} old still running)"
    return ok, progress


def _statefulset(obj: Obj) -> tuple[bool, str]:
    desired = (obj.get("spec") or {}).get("replicas", 1)
    ready = (obj.get("status") or {}).get("readyReplicas", 0)
    return ready >= desired, f"{ready}/{desired} pods"


def _leader_worker_set(obj: Obj) -> tuple[bool, str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    groups = spec.get("replicas", 1)
    size = (spec.get("leaderWorkerTemplate") or {}).get("size", 1)
    ready = status.get("readyReplicas", 0)
    conds = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    ok = ready >= groups and conds.get("Available", "True") == "True"
    return ok, f"{ready}/{groups} groups ({ready * size}/{groups * size} pods)"


def _route_or_pool(obj: Obj) -> tuple[bool, str]:
    """Accepted where a gateway controller reports it (its conditions are shown); without
    one there is nothing to wait for, and the table says so."""
    parents = (obj.get("status") or {}).get("parents") or []
    if not parents:
        return True, "no controller status"
    ok = True
    shown = []
    for parent in parents:
        for cond in parent.get("conditions") or []:
            shown.append(f"{cond.get('type')}={cond.get('status')}")
            if cond.get("type") == "Accepted" and cond.get("status") != "True":
                ok = False
                shown[-1] += f" ({cond.get('reason', '')}: {cond.get('message', '')})"
    return ok, ", ".join(shown) or "no conditions"


PREDICATES: dict[str, Callable[[Obj], tuple[bool, str]]] = {
    "Deployment": _deployment,
    "StatefulSet": _statefulset,
    "LeaderWorkerSet": _leader_worker_set,
    "HTTPRoute": _route_or_pool,
    "InferencePool": _route_or_pool,
}


def readiness(obj: Obj | None, kind: str, name: str) -> Readiness:
    if obj is None:
        return Readiness(kind, name, False, "missing")
    check = PREDICATES.get(kind)
    if check is None:
        return Readiness(kind, name, True, "exists")
    ok, progress = check(obj)
    return Readiness(kind, name, ok, progress)


def pod_selector(obj: Obj) -> dict[str, str] | None:
    """The labels that select a workload's pods (None for kinds without pods)."""
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind in ("Deployment", "StatefulSet"):
        labels = (spec.get("selector") or {}).get("matchLabels")
        return dict(labels) if labels else None
    if kind == "LeaderWorkerSet":
        return {"leaderworkerset.sigs.k8s.io/name": obj["metadata"]["name"]}
    return None


def pod_problem(pod: Obj) -> str:
    """Why one pod is not ready, in the words Kubernetes used ('' when it is ready)."""
    status = pod.get("status") or {}
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("status") == "False":
            return f"unschedulable: {cond.get('message') or cond.get('reason', '')}"
    for cs in status.get("containerStatuses") or []:
        waiting = (cs.get("state") or {}).get("waiting")
        if waiting:
            reason = waiting.get("reason", "waiting")
            return f"{cs.get('name')}: {reason} {waiting.get('message', '')}".strip()
        if not cs.get("ready"):
            return f"{cs.get('name')}: not ready"
    phase = status.get("phase", "Pending")
    return "" if phase == "Running" and _pod_ready(pod) else f"phase {phase}"


def _pod_ready(pod: Obj) -> bool:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return bool(cond.get("status") == "True")
    return False


def pod_summary(pods: list[Obj]) -> tuple[int, int, int, str]:
    """(ready pods, pods, restarts, first problem)."""
    ready = sum(1 for p in pods if _pod_ready(p))
    restarts = sum(
        cs.get("restartCount", 0)
        for p in pods
        for cs in (p.get("status") or {}).get("containerStatuses") or []
    )
    problem = next((pr for pr in (pod_problem(p) for p in pods) if pr), "")
    return ready, len(pods), restarts, problem
