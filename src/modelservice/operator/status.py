"""A ModelService's status, computed from its live children (pure; no I/O).

Readiness per object comes from the same predicate table the CLI's ``--wait`` and
``status`` use (:mod:`modelservice.cluster.wait`). Conditions follow the Kubernetes
convention: ``lastTransitionTime`` changes only when a condition's status does.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from modelservice.cluster.wait import readiness
from modelservice.kinds import Identity, identity
from modelservice.naming import ROLE_LABEL

Obj = dict[str, Any]

CONDITION_TYPES = ("Ready", "Progressing", "Degraded", "Valid")
ROLES = ("decode", "prefill")


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def role_of(obj: Mapping[str, Any]) -> str | None:
    """decode/prefill for a model-serving workload (by its selector or labels), else None."""
    if obj.get("kind") not in ("Deployment", "LeaderWorkerSet"):
        return None
    meta = obj.get("metadata") or {}
    role = (meta.get("labels") or {}).get(ROLE_LABEL)
    if role is None:
        selector = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
        role = selector.get(ROLE_LABEL)
    return role if role in ROLES else None


def role_status(obj: Mapping[str, Any]) -> Obj:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = int(spec.get("replicas", 1) if spec.get("replicas") is not None else 1)
    ready = int(status.get("readyReplicas") or 0)
    return {
        "replicas": desired,
        "readyReplicas": ready,
        "ready": f"{ready}/{desired}",
        "workload": f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}",
    }


def _condition(
    type_: str, ok: bool, reason: str, message: str, generation: int, previous: Mapping[str, Any]
) -> Obj:
    status = "True" if ok else "False"
    old = previous.get(type_) or {}
    since = old.get("lastTransitionTime") if old.get("status") == status else None
    return {
        "type": type_,
        "status": status,
        "reason": reason,
        "message": message,
        "observedGeneration": generation,
        "lastTransitionTime": since or now(),
    }


def compute_status(
    parent: Mapping[str, Any],
    *,
    owned: Sequence[Mapping[str, Any]],
    live: Mapping[Identity, Mapping[str, Any]],
    model_name: str | None,
    invalid: str | None = None,
    invalid_reason: str = "InvalidSpec",
    warnings: Iterable[str] = (),
    apply_error: str | None = None,
    apply_reason: str = "ApplyFailed",
    conflicts: Sequence[str] = (),
    problems: Mapping[Identity, str] | None = None,
) -> Obj:
    """The status for ``parent``.

    ``owned``: the objects it owns (desired ones, or the previous list when the spec is
    invalid), as {apiVersion, kind, name}; ``live``: the live objects by identity;
    ``invalid``: the CLI's message when the spec does not validate (``invalid_reason``:
    ``InvalidSpec``, ``Refused`` by the operator's policy, or ``RenderError``);
    ``apply_error``: the cluster's refusal during this reconcile (``apply_reason``:
    ``ApplyFailed``, or ``InternalError``); ``conflicts``: objects it may not take over;
    ``problems``: why a workload's pods are not ready, by identity (from the pods).
    """
    meta = parent.get("metadata") or {}
    generation = int(meta.get("generation") or 0)
    old_status = parent.get("status") or {}
    previous = {c.get("type"): c for c in old_status.get("conditions") or []}

    not_ready: list[str] = []
    progressing: list[str] = []
    roles: dict[str, Obj] = {}
    namespace = str(meta.get("namespace") or "")
    for ref in owned:
        key = ref_key(ref, namespace)
        obj = live.get(key)
        state = readiness(dict(obj) if obj is not None else None, key.kind, key.name)
        if not state.ready:
            why = (problems or {}).get(key)
            not_ready.append(f"{key.short}: {state.progress}" + (f" ({why})" if why else ""))
        if obj is not None:
            role = role_of(obj)
            if role is not None:
                roles[role] = role_status(obj)
            ometa, ostatus = obj.get("metadata") or {}, obj.get("status") or {}
            if key.kind in ("Deployment", "LeaderWorkerSet") and (
                int(ostatus.get("observedGeneration") or 0) < int(ometa.get("generation") or 0)
                or not state.ready
            ):
                progressing.append(key.short)

    valid = invalid is None
    warn_text = "; ".join(warnings)
    conditions = [
        _condition(
            "Valid",
            valid,
            "Rendered" if valid else invalid_reason,
            (f"warnings: {warn_text}" if warn_text else "the spec renders")
            if invalid is None
            else invalid,
            generation,
            previous,
        )
    ]
    trouble = apply_error or ("; ".join(conflicts) if conflicts else None)
    what = "refused" if invalid_reason == "Refused" else "invalid"
    if not valid:
        degraded = (
            True,
            invalid_reason,
            f"generation {generation} is {what}; the objects of the last valid spec are kept",
        )
    elif trouble:
        degraded = (True, "Conflict" if conflicts and not apply_error else apply_reason, trouble)
    else:
        degraded = (False, "AsExpected", "")
    conditions.append(_condition("Degraded", *degraded, generation, previous))
    ready = valid and not trouble and not not_ready
    if ready:
        ready_cond = (True, "AllReady", f"{len(owned)} objects ready")
    elif not valid:
        ready_cond = (False, invalid_reason, "; ".join(not_ready) or f"the spec is {what}")
    elif trouble:
        ready_cond = (False, degraded[1], trouble)
    else:
        ready_cond = (False, "NotReady", "; ".join(not_ready))
    conditions.insert(0, _condition("Ready", *ready_cond, generation, previous))
    if not valid:
        prog = (False, invalid_reason, "nothing is applied until the spec is fixed")
    elif progressing:
        prog = (True, "RollingOut", "waiting for " + ", ".join(progressing))
    else:
        prog = (False, "Complete" if ready else "Stalled", "" if ready else "; ".join(not_ready))
    conditions.insert(1, _condition("Progressing", *prog, generation, previous))

    status: Obj = {
        "observedGeneration": generation,
        "conditions": conditions,
        "owned": [
            {"apiVersion": r["apiVersion"], "kind": r["kind"], "name": r["name"]} for r in owned
        ],
    }
    model = model_name if model_name is not None else old_status.get("model")
    if model:
        status["model"] = model
    status.update(roles)
    return status


def ref_key(ref: Mapping[str, Any], namespace: str) -> Identity:
    """The identity of an entry of ``status.owned`` (children live in the parent's
    namespace)."""
    obj = {"apiVersion": ref["apiVersion"], "kind": ref["kind"], "metadata": {"name": ref["name"]}}
    return identity(obj, namespace)


def owned_refs(objects: Iterable[Mapping[str, Any]]) -> list[Obj]:
    return [
        {
            "apiVersion": o["apiVersion"],
            "kind": o["kind"],
            "name": (o.get("metadata") or {})["name"],
        }
        for o in objects
    ]


def merge_patch(old: Mapping[str, Any], new: Mapping[str, Any]) -> Obj:
    """The JSON merge patch from ``old`` to ``new`` (empty when they are equal)."""
    patch: Obj = {}
    for key in old:
        if key not in new:
            patch[key] = None
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, Mapping) and isinstance(before, Mapping):
            sub = merge_patch(before, value)
            if sub:
                patch[key] = sub
        elif before != value or key not in old:
            patch[key] = copy.deepcopy(value)
    return patch


def same_status(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    return not merge_patch(old, new)
