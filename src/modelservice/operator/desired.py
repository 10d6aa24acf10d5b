"""What a ModelService should own, and which of those objects need an apply.

Pure functions, no I/O: the renderer's objects made the ModelService's children (label,
ownerReference, hash annotation), and the desired-versus-live comparison that keeps a
reconcile read-only when nothing changed.

An object is applied when it is missing, when its ``llm-d.ai/applied-hash`` annotation
differs from the desired object's hash (the spec changed), or when a field the operator
sets differs on the live object (someone edited or scaled it). The last check compares
only the fields the operator sets, and compares Kubernetes quantities by value, so server
defaults and normalisation (``1000m`` → ``1``) are not drift.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from modelservice.errors import Problem, ValuesError
from modelservice.operator.crd import API_VERSION, HASH_ANNOTATION, KIND, MANAGED_BY, OWNER_LABEL
from modelservice.quantity import quantity_or_none

Obj = dict[str, Any]
#: (API group, kind, name): what makes two children of one ModelService the same object.
Key = tuple[str, str, str]


def group_of(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def key_of(obj: Mapping[str, Any]) -> Key:
    return (
        group_of(str(obj.get("apiVersion", ""))),
        str(obj.get("kind", "")),
        str((obj.get("metadata") or {}).get("name", "")),
    )


def owner_reference(parent: Mapping[str, Any]) -> Obj:
    meta = parent["metadata"]
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def object_hash(obj: Mapping[str, Any]) -> str:
    """A stable hash of an object as the operator applies it (its own hash annotation
    left out)."""
    clean = copy.deepcopy(dict(obj))
    ann = (clean.get("metadata") or {}).get("annotations") or {}
    ann.pop(HASH_ANNOTATION, None)
    text = json.dumps(clean, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def adopt(obj: Mapping[str, Any], parent: Mapping[str, Any]) -> Obj:
    """A rendered object as a child of ``parent``: in its namespace, with the owner label,
    the operator's managed-by label, a controller ownerReference and the hash annotation."""
    out = copy.deepcopy(dict(obj))
    meta = out.setdefault("metadata", {})
    pmeta = parent["metadata"]
    meta["namespace"] = pmeta["namespace"]
    # Fresh dicts: the renderer may share one labels dict with a selector.
    labels = meta["labels"] = dict(meta.get("labels") or {})
    labels[OWNER_LABEL] = pmeta["name"]
    if "app.kubernetes.io/managed-by" in labels:
        labels["app.kubernetes.io/managed-by"] = MANAGED_BY
    meta["ownerReferences"] = [owner_reference(parent)]
    meta["annotations"] = dict(meta.get("annotations") or {})
    meta["annotations"][HASH_ANNOTATION] = object_hash(out)
    return out


@dataclass
class Desired:
    """The children a ModelService's spec renders to (empty and ``error`` set when the spec
    is invalid)."""

    objects: list[Obj] = field(default_factory=list)
    warnings: tuple[Problem, ...] = ()
    model_name: str = ""
    error: ValuesError | None = None


def desired_children(
    parent: Mapping[str, Any], *, cluster_scoped: Iterable[tuple[str, str]] = ()
) -> Desired:
    """Render the parent's spec (release = its name, namespace = its namespace) into its
    children. ``cluster_scoped`` lists (apiVersion, kind) pairs the cluster serves
    cluster-wide: a namespaced ModelService cannot own those."""
    from modelservice.pipeline import render_release

    meta = parent["metadata"]
    spec = parent.get("spec") or {}
    try:
        rendered = render_release(spec, release=meta["name"], namespace=meta["namespace"])
    except ValuesError as err:
        return Desired(error=err)
    scoped = set(cluster_scoped)
    problems = []
    model = rendered.model
    assert model is not None, "the operator renders in the default mode"
    extra_start = len(rendered.objects) - len(model.extra_objects)
    for i, obj in enumerate(rendered.objects):
        ns = (obj.get("metadata") or {}).get("namespace")
        where = f"extraObjects[{i - extra_start}]" if i >= extra_start else ""
        if (obj.get("apiVersion"), obj.get("kind")) in scoped:
            problems.append(
                Problem(
                    where,
                    f"{obj.get('kind')} is cluster-scoped; a ModelService can only own "
                    "objects in its own namespace",
                )
            )
        elif ns and ns != meta["namespace"]:
            problems.append(
                Problem(
                    where,
                    f"namespace {ns!r} is not the ModelService's namespace "
                    f"{meta['namespace']!r}; a ModelService owns objects in its namespace only",
                )
            )
    if problems:
        return Desired(error=ValuesError(problems))
    return Desired(
        objects=[adopt(o, parent) for o in rendered.objects],
        warnings=rendered.warnings,
        model_name=model.routing.model_name or "",
    )


# ---------------------------------------------------------------- desired versus live


def quantity(value: Any) -> Fraction | None:
    """A Kubernetes quantity's value (``"500m"`` → 1/2, ``"1Gi"`` → 1073741824), or None."""
    return quantity_or_none(value)


def _empty(value: Any) -> bool:
    return value is None or value == {} or value == [] or value == ""


def first_difference(want: Any, have: Any, path: str = "") -> str | None:
    """The first path where ``have`` (live) lacks or contradicts a field of ``want``
    (desired); None when every desired field is there. Extra live fields (server defaults,
    status) are not differences; quantities compare by value."""
    if isinstance(want, Mapping):
        if not isinstance(have, Mapping):
            return path or "."
        for k, v in want.items():
            sub = f"{path}.{k}" if path else str(k)
            if k not in have or have[k] is None:
                if _empty(v):
                    continue
                return sub
            found = first_difference(v, have[k], sub)
            if found is not None:
                return found
        return None
    if isinstance(want, list):
        if not isinstance(have, list) or len(want) != len(have):
            return path
        for i, (w, h) in enumerate(zip(want, have, strict=True)):
            found = first_difference(w, h, f"{path}[{i}]")
            if found is not None:
                return found
        return None
    if want == have and type(want) is type(have):
        return None
    if isinstance(want, bool) or isinstance(have, bool):
        return None if want is have else path
    if want == have:
        return None
    qw, qh = quantity(want), quantity(have)
    if qw is not None and qh is not None and qw == qh:
        return None
    return path


def drift(desired: Mapping[str, Any], live: Mapping[str, Any] | None) -> str | None:
    """Why ``desired`` must be applied over ``live`` (None: it need not be)."""
    if live is None:
        return "missing"
    want_hash = ((desired.get("metadata") or {}).get("annotations") or {}).get(HASH_ANNOTATION)
    have_hash = ((live.get("metadata") or {}).get("annotations") or {}).get(HASH_ANNOTATION)
    if want_hash != have_hash:
        return "changed"
    want = {k: v for k, v in desired.items() if k != "status"}
    where = first_difference(want, live)
    return f"drifted at {where}" if where is not None else None


def controller_of(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return dict(ref)
    return None


def owned_by(obj: Mapping[str, Any], parent: Mapping[str, Any]) -> bool:
    ref = controller_of(obj)
    return ref is not None and ref.get("uid") == parent["metadata"]["uid"]


def conflict(live: Mapping[str, Any], parent: Mapping[str, Any]) -> str | None:
    """Why the operator must not take ``live`` over for ``parent`` (None: it may).

    An object controlled by another live owner, or belonging to a Helm release, is left
    alone; one whose controller was an earlier ModelService of the same name (deleted and
    created again before the garbage collector ran) is adopted."""
    ref = controller_of(live)
    pmeta = parent["metadata"]
    name = f"{live.get('kind')}/{(live.get('metadata') or {}).get('name')}"
    if ref is not None:
        if ref.get("uid") == pmeta["uid"]:
            return None
        if ref.get("kind") == KIND and ref.get("name") == pmeta["name"]:
            return None
        return (
            f"{name} already exists and is controlled by {ref.get('kind')}/{ref.get('name')}; "
            "delete it or give this ModelService another name"
        )
    ann = (live.get("metadata") or {}).get("annotations") or {}
    release = ann.get("meta.helm.sh/release-name")
    if release:
        return (
            f"{name} already exists and belongs to the Helm release {release!r}; "
            "uninstall that release or give this ModelService another name"
        )
    return None


@dataclass
class Plan:
    """What one reconcile does: objects to apply (with why), objects to delete, objects
    that cannot be taken over, and the desired objects that are already right."""

    apply: list[tuple[Obj, str]] = field(default_factory=list)
    delete: list[Obj] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    unchanged: list[Obj] = field(default_factory=list)


def plan(
    parent: Mapping[str, Any],
    desired: Sequence[Obj],
    live: Mapping[Key, Obj],
    owned: Iterable[Obj],
    *,
    accepted: Mapping[str, tuple[str, int]] | None = None,
) -> Plan:
    """Compare desired children with live objects.

    ``live`` maps keys to live objects (any owner); ``owned`` are live objects carrying the
    owner label (from the watch caches, and the status' list): those the parent controls and
    the spec no longer renders are deleted, in reverse order. ``accepted`` maps a live uid
    to (hash, generation) pairs the operator applied and saw differ only by server-side
    normalisation; those are not re-applied while both stay the same.
    """
    out = Plan()
    accepted = accepted or {}
    for obj in desired:
        have = live.get(key_of(obj))
        if have is not None:
            why_not = conflict(have, parent)
            if why_not:
                out.conflicts.append(why_not)
                continue
        reason = drift(obj, have)
        if reason is not None and have is not None and reason.startswith("drifted"):
            hmeta = have.get("metadata") or {}
            want_hash = obj["metadata"]["annotations"][HASH_ANNOTATION]
            if accepted.get(str(hmeta.get("uid"))) == (want_hash, hmeta.get("generation", 0)):
                reason = None
        if reason is None:
            out.unchanged.append(obj)
        else:
            out.apply.append((obj, reason))
    keep = {key_of(o) for o in desired}
    seen: set[Key] = set()
    for obj in owned:
        key = key_of(obj)
        if key in keep or key in seen or not owned_by(obj, parent):
            continue
        seen.add(key)
        out.delete.append(obj)
    out.delete.reverse()
    return out
