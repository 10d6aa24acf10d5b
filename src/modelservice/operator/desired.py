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
from modelservice.kinds import Identity, group_of, identity
from modelservice.operator.crd import API_VERSION, HASH_ANNOTATION, KIND, MANAGED_BY, OWNER_LABEL
from modelservice.operator.policy import Policy, check
from modelservice.quantity import quantity_or_none

__all__ = ["Key", "ModelServiceOwner", "group_of", "key_of"]

Obj = dict[str, Any]
#: What makes two objects the same object: :class:`modelservice.kinds.Identity`.
Key = Identity

KEEP_ANNOTATION = "helm.sh/resource-policy"


def key_of(obj: Mapping[str, Any], namespace: str = "") -> Key:
    """The identity of an object (a live one, or a child made by :func:`adopt`, carries its
    namespace; ``namespace`` is the default for others)."""
    return identity(obj, namespace)


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
    the operator's managed-by label, a controller ownerReference (none for an object
    annotated ``helm.sh/resource-policy: keep``, which must outlive its ModelService: the
    garbage collector follows ownerReferences) and the hash annotation."""
    out = copy.deepcopy(dict(obj))
    meta = out["metadata"] = dict(out.get("metadata") or {})
    pmeta = parent["metadata"]
    meta["namespace"] = pmeta["namespace"]
    # Fresh dicts: the renderer may share one labels dict with a selector.
    labels = meta["labels"] = dict(meta.get("labels") or {})
    labels[OWNER_LABEL] = pmeta["name"]
    if "app.kubernetes.io/managed-by" in labels:
        labels["app.kubernetes.io/managed-by"] = MANAGED_BY
    meta["annotations"] = dict(meta.get("annotations") or {})
    if meta["annotations"].get(KEEP_ANNOTATION) == "keep":
        meta.pop("ownerReferences", None)
    else:
        meta["ownerReferences"] = [owner_reference(parent)]
    meta["annotations"][HASH_ANNOTATION] = object_hash(out)
    return out


class ModelServiceOwner:
    """The apply engine's owner for one ModelService (see :mod:`modelservice.cluster.apply`).

    Its marks: the owner label naming it, and a controller ownerReference to it. It adopts
    only live objects that already carry those marks - its own, or those of an earlier
    ModelService of the same name (deleted and created again before the garbage collector
    ran, or an object it kept) - never an object without them: the operator acts with
    rights the ModelService's author may not have, so it must not take over what the author
    could not change themselves. It deletes only objects it controls (by uid)."""

    operation = "ModelService"
    adoptable = False

    def __init__(self, parent: Mapping[str, Any]) -> None:
        self.parent = parent
        self.name = str(parent["metadata"]["name"])
        self.uid = str(parent["metadata"].get("uid") or "")

    def mark(self, obj: Mapping[str, Any]) -> Obj:
        return adopt(obj, self.parent)

    def conflict(self, live: Mapping[str, Any]) -> str | None:
        meta = live.get("metadata") or {}
        labels = meta.get("labels") or {}
        labelled = isinstance(labels, Mapping) and labels.get(OWNER_LABEL) == self.name
        ref = controller_of(live)
        if ref is not None:
            if ref.get("uid") == self.uid:
                return None
            same_name = (
                ref.get("kind") == KIND
                and group_of(str(ref.get("apiVersion", ""))) == group_of(API_VERSION)
                and ref.get("name") == self.name
            )
            if same_name and labelled:
                return None
            return f"it is controlled by {ref.get('kind')}/{ref.get('name')}"
        ann = meta.get("annotations") or {}
        release = ann.get("meta.helm.sh/release-name") if isinstance(ann, Mapping) else None
        if release:
            return f"it belongs to the Helm release {release!r}"
        if labelled:
            return None
        return (
            f"it does not carry this ModelService's marks (label {OWNER_LABEL}={self.name}); "
            "the operator adopts no object created by someone else"
        )

    def owns(self, live: Mapping[str, Any]) -> bool:
        return owned_by(live, self.parent)


@dataclass
class Desired:
    """The children a ModelService's spec renders to (empty and ``error`` set when the spec
    is invalid, refused by the policy, or makes the renderer fail; ``reason`` says which:
    ``InvalidSpec``, ``Refused`` or ``RenderError``)."""

    objects: list[Obj] = field(default_factory=list)
    warnings: tuple[Problem, ...] = ()
    model_name: str = ""
    error: ValuesError | None = None
    reason: str = "InvalidSpec"


def desired_children(
    parent: Mapping[str, Any],
    *,
    cluster_scoped: Iterable[tuple[str, str]] = (),
    policy: Policy | None = None,
) -> Desired:
    """Render the parent's spec (release = its name, namespace = its namespace) into its
    children, checked against the operator's ``policy`` (default: deny everything beyond
    the chart's envelope). ``cluster_scoped`` lists (apiVersion, kind) pairs the cluster
    serves cluster-wide: a namespaced ModelService cannot own those.

    Never raises for a bad spec: an exception from rendering (a bug) becomes a
    ``RenderError`` result, so one ModelService cannot stop the others' reconciles."""
    from modelservice.pipeline import render_release

    meta = parent["metadata"]
    spec = parent.get("spec") or {}
    try:
        rendered = render_release(spec, release=meta["name"], namespace=meta["namespace"])
        model = rendered.model
        assert model is not None, "the operator renders in the default mode"
        extra_start = len(rendered.objects) - len(model.extra_objects)
        labels = [
            f"extraObjects[{i - extra_start}]" if i >= extra_start else ""
            for i in range(len(rendered.objects))
        ]
        problems = check(
            rendered.objects,
            str(meta["namespace"]),
            policy if policy is not None else default_policy(),
            labels=labels,
            cluster_scoped=cluster_scoped,
        )
        if problems:
            return Desired(error=ValuesError(problems), reason="Refused")
        return Desired(
            objects=[adopt(o, parent) for o in rendered.objects],
            warnings=rendered.warnings,
            model_name=model.routing.model_name or "",
        )
    except ValuesError as err:
        return Desired(error=err)
    except RecursionError:
        return Desired(error=ValuesError("the spec is nested too deeply"), reason="RenderError")
    except Exception as exc:  # a bug: reported in this ModelService's status, not raised
        return Desired(
            error=ValuesError(
                f"internal error while rendering the spec (a bug in modelservice, please "
                f"report it): {type(exc).__name__}: {exc}"
            ),
            reason="RenderError",
        )


def default_policy() -> Policy:
    """Deny everything beyond the chart's envelope (the endpoint picker's Role allowed)."""
    from modelservice.operator.manifests import epp_rules

    return Policy(epp_rules=tuple(epp_rules()))


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
    owner = ModelServiceOwner(parent)
    for obj in desired:
        have = live.get(key_of(obj))
        if have is not None:
            why_not = owner.conflict(have)
            if why_not:
                out.conflicts.append(f"{key_of(obj)} exists and cannot be adopted: {why_not}")
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
