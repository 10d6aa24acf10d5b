"""The one apply engine: ownership checked before every apply, deletion only of what is ours.

Both the release lifecycle (:class:`~modelservice.cluster.release.Release`) and the
operator apply through :class:`Engine`. What "ours" means is an :class:`Owner`:

- :class:`HelmOwner` follows Helm: an object belongs to release R in namespace N when it is
  labelled ``app.kubernetes.io/managed-by: Helm`` and annotated
  ``meta.helm.sh/release-name: R`` and ``meta.helm.sh/release-namespace: N``. An existing
  object without those marks is refused with Helm's own message, unless the caller takes
  ownership (Helm 4's ``--take-ownership``);
- the operator's owner (:class:`modelservice.operator.desired.ModelServiceOwner`) adopts only
  objects already carrying that ModelService's marks.

Deleting (prune on upgrade, uninstall, the operator's prune) reads the live object first and
deletes it only when its marks name the owner and neither the manifest nor the live object
says ``helm.sh/resource-policy: keep``; the delete carries the live uid as a precondition,
so an object replaced in between is not deleted either. Every request goes through the
:class:`~modelservice.cluster.client.Api` given, so they are counted there.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from modelservice.cluster.client import Api, each, terminating
from modelservice.cluster.errors import ClusterError, Conflict, KindNotServed, OwnershipConflict
from modelservice.kinds import Identity, identity

Obj = dict[str, Any]
T = TypeVar("T")

KEEP_ANNOTATION = "helm.sh/resource-policy"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY_HELM = "Helm"
RELEASE_NAME_ANNOTATION = "meta.helm.sh/release-name"
RELEASE_NAMESPACE_ANNOTATION = "meta.helm.sh/release-namespace"


def keeps(obj: Mapping[str, Any] | None) -> bool:
    """Whether an object asks to outlive its release (``helm.sh/resource-policy: keep``)."""
    meta = (obj or {}).get("metadata") or {}
    annotations = meta.get("annotations") or {}
    return isinstance(annotations, Mapping) and annotations.get(KEEP_ANNOTATION) == "keep"


def string_map(meta: Mapping[str, Any], key: str) -> dict[str, str]:
    """A fresh copy of ``metadata.labels``/``annotations`` (never shared with the renderer's
    object, so marks never leak into e.g. a selector that shares the dict)."""
    value = meta.get(key)
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


class Owner(Protocol):
    """Who applies: how objects are marked, and which live objects are theirs."""

    @property
    def operation(self) -> str:
        """What is being applied, for messages ("release", "ModelService")."""

    @property
    def adoptable(self) -> bool:
        """Whether a foreign object may be taken over on request (``--take-ownership``)."""

    def mark(self, obj: Mapping[str, Any]) -> Obj:
        """A copy of ``obj`` with the owner's marks."""

    def conflict(self, live: Mapping[str, Any]) -> str | None:
        """Why ``live`` is not this owner's and may not be applied over (None: it may)."""

    def owns(self, live: Mapping[str, Any]) -> bool:
        """Whether ``live`` is this owner's, so that it may be deleted."""


class HelmOwner:
    """Helm's ownership rule for release ``release`` in namespace ``namespace``."""

    operation = "release"
    adoptable = True

    def __init__(self, release: str, namespace: str) -> None:
        self.release = release
        self.namespace = namespace

    def mark(self, obj: Mapping[str, Any]) -> Obj:
        out = copy.deepcopy(dict(obj))
        meta = out["metadata"] = dict(out.get("metadata") or {})
        labels = meta["labels"] = string_map(meta, "labels")
        labels[MANAGED_BY_LABEL] = MANAGED_BY_HELM
        annotations = meta["annotations"] = string_map(meta, "annotations")
        annotations[RELEASE_NAME_ANNOTATION] = self.release
        annotations[RELEASE_NAMESPACE_ANNOTATION] = self.namespace
        return out

    def conflict(self, live: Mapping[str, Any]) -> str | None:
        """Helm's ``checkOwnership``, with its wording."""
        meta = live.get("metadata") or {}
        errors = []
        for where, found, key, want in (
            ("label", string_map(meta, "labels"), MANAGED_BY_LABEL, MANAGED_BY_HELM),
            ("annotation", string_map(meta, "annotations"), RELEASE_NAME_ANNOTATION, self.release),
            (
                "annotation",
                string_map(meta, "annotations"),
                RELEASE_NAMESPACE_ANNOTATION,
                self.namespace,
            ),
        ):
            if key not in found:
                errors.append(
                    f'{where} validation error: missing key "{key}": must be set to "{want}"'
                )
            elif found[key] != want:
                errors.append(
                    f'{where} validation error: key "{key}" must equal "{want}": '
                    f'current value is "{found[key]}"'
                )
        if not errors:
            return None
        return "invalid ownership metadata; " + "; ".join(errors)

    def owns(self, live: Mapping[str, Any]) -> bool:
        return self.conflict(live) is None


@dataclass
class Deletion:
    """What a prune or an uninstall did with each object it was asked to delete."""

    deleted: list[Identity] = field(default_factory=list)
    kept: list[Identity] = field(default_factory=list)
    """Left in place by ``helm.sh/resource-policy: keep``."""
    foreign: list[Identity] = field(default_factory=list)
    """Left in place because the live object's marks do not name this owner."""
    gone: list[Identity] = field(default_factory=list)
    """Already absent."""
    terminating: list[Obj] = field(default_factory=list)
    """Of the deleted, those the API server has not removed yet (finalizers, a grace
    period), as its DELETE answered: what ``--wait`` waits for."""

    def merge(self, other: Deletion) -> None:
        self.deleted += other.deleted
        self.kept += other.kept
        self.foreign += other.foreign
        self.gone += other.gone
        self.terminating += other.terminating

    def __len__(self) -> int:
        return len(self.deleted)


class Engine:
    """Applies and deletes objects for one owner in one namespace."""

    def __init__(self, api: Api, owner: Owner, namespace: str) -> None:
        self.api = api
        self.owner = owner
        self.namespace = namespace

    # ------------------------------------------------------------------ identity

    def identity(self, obj: Mapping[str, Any]) -> Identity:
        """The object's identity, scoped as the cluster serves its kind (the kinds table
        decides for kinds the cluster does not serve)."""
        namespaced: bool | None = None
        try:
            namespaced = self.api.resource_type(str(obj["apiVersion"]), str(obj["kind"])).namespaced
        except (KindNotServed, KeyError):
            namespaced = None
        return identity(obj, self.namespace, namespaced=namespaced)

    def namespace_of(self, obj: Mapping[str, Any]) -> str:
        meta = obj.get("metadata") or {}
        return str(meta.get("namespace") or self.namespace)

    def live(self, obj: Mapping[str, Any]) -> Obj | None:
        meta = obj.get("metadata") or {}
        return self.api.get(
            str(obj["apiVersion"]), str(obj["kind"]), str(meta["name"]), self.namespace_of(obj)
        )

    # ------------------------------------------------------------------ apply

    def require_served(self, objects: Iterable[Mapping[str, Any]]) -> None:
        """Every kind is served (or :class:`KindNotServed`), before anything is written."""
        for obj in objects:
            self.api.resource_type(str(obj["apiVersion"]), str(obj["kind"]))

    def check(
        self,
        objects: Iterable[Mapping[str, Any]],
        *,
        known: Iterable[Identity] = (),
        take_ownership: bool = False,
    ) -> list[Identity]:
        """Read every object not in ``known`` (the owner's own, from its records) and refuse,
        all at once, those that exist and are not the owner's. Returns the identities found
        live (those an apply adopts)."""
        skip = set(known)
        found: list[Identity] = []
        conflicts: list[tuple[Identity, str]] = []
        unknown = [(self.identity(o), o) for o in objects]
        unknown = [(i, o) for i, o in unknown if i not in skip]
        lives = each(self.live, [o for _, o in unknown])  # independent reads, side by side
        for (ident, _obj), live in zip(unknown, lives, strict=True):
            if live is None:
                continue
            found.append(ident)
            why = self.owner.conflict(live)
            if why is not None and not (take_ownership and self.owner.adoptable):
                conflicts.append((ident, why))
        if conflicts:
            raise OwnershipConflict(conflicts, self.owner.operation, adoptable=self.owner.adoptable)
        return found

    def apply(self, obj: Obj, *, force_conflicts: bool = True, dry_run: bool = False) -> Obj:
        """Server-side apply one (already marked) object."""
        return self.api.apply(obj, force=force_conflicts, dry_run=dry_run)

    def apply_all(
        self, objects: Sequence[Obj], *, force_conflicts: bool = True, dry_run: bool = False
    ) -> list[Obj]:
        """Apply in order, one kind after the other; the objects of one kind side by side
        (as Helm does: a kind's objects never depend on each other, a Deployment may depend
        on the ServiceAccount before it). Returns the objects as applied, in order."""
        out: list[Obj] = []
        for batch in kind_batches(objects):
            out += each(
                lambda o: self.apply(o, force_conflicts=force_conflicts, dry_run=dry_run), batch
            )
        return out

    # ------------------------------------------------------------------ delete

    def delete(
        self,
        obj: Mapping[str, Any],
        *,
        live: Mapping[str, Any] | bool | None = True,
        dry_run: bool = False,
    ) -> str:
        """Delete ``obj`` if it is the owner's; returns what happened: ``deleted``,
        ``kept`` (resource policy), ``foreign`` (not the owner's, or replaced meanwhile) or
        ``gone``. ``live`` is the live object when the caller has it (None: absent);
        by default it is read. With ``dry_run`` the API server only checks the deletion."""
        return self._delete(obj, live, dry_run)[0]

    def _delete(
        self, obj: Mapping[str, Any], live: Mapping[str, Any] | bool | None, dry_run: bool
    ) -> tuple[str, Obj | None]:
        """:meth:`delete`, and the DELETE's answer when one was sent."""
        if keeps(obj):
            return "kept", None
        current: Mapping[str, Any] | None
        current = self.live(obj) if live is True else (live or None)
        if current is None:
            return "gone", None
        if keeps(current):
            return "kept", None
        if not self.owner.owns(current):
            return "foreign", None
        meta = current.get("metadata") or {}
        try:
            answer = self.api.delete(
                str(obj["apiVersion"]),
                str(obj["kind"]),
                str(meta.get("name") or (obj.get("metadata") or {}).get("name")),
                self.namespace_of(obj),
                uid=str(meta["uid"]) if meta.get("uid") else None,
                dry_run=dry_run,
            )
        except Conflict:
            # replaced since it was read: not the object that was checked
            return "foreign", None
        return ("deleted" if answer is not None else "gone"), answer

    def delete_all(
        self, objects: Iterable[Mapping[str, Any]], *, dry_run: bool = False
    ) -> Deletion:
        """Delete the owner's objects among ``objects``, in reverse order, each once (the
        objects of one kind side by side, as :meth:`apply_all`)."""
        report = Deletion()
        seen: set[Identity] = set()
        todo: list[tuple[Identity, Mapping[str, Any]]] = []
        for obj in reversed(list(objects)):
            ident = self.identity(obj)
            if ident not in seen:
                seen.add(ident)
                todo.append((ident, obj))

        def read(item: tuple[Identity, Mapping[str, Any]]) -> Obj | None:
            try:
                return self.live(item[1])
            except KindNotServed:
                return None  # its CRD was removed: so were its objects

        # The reads first, all side by side; then the deletes, a kind at a time.
        lives = each(read, todo)
        found = [(ident, obj, live) for (ident, obj), live in zip(todo, lives, strict=True)]

        def one(item: tuple[Identity, Mapping[str, Any], Obj | None]) -> tuple[str, Obj | None]:
            try:
                return self._delete(item[1], item[2], dry_run)
            except KindNotServed:
                return "gone", None

        for batch in kind_batches(found, key=lambda item: item[0].kind):
            for (ident, _obj, _live), (outcome, answer) in zip(
                batch, each(one, batch), strict=True
            ):
                getattr(report, outcome).append(ident)
                if outcome == "deleted" and not dry_run and terminating(answer):
                    report.terminating.append(dict(answer or {}))
        return report

    def prune(
        self,
        old: Iterable[Mapping[str, Any]],
        new: Iterable[Mapping[str, Any]],
        *,
        dry_run: bool = False,
    ) -> Deletion:
        """Delete what ``old`` had and ``new`` lacks (the owner's only), newest first."""
        keep = {self.identity(o) for o in new}
        return self.delete_all((o for o in old if self.identity(o) not in keep), dry_run=dry_run)


def kind_batches(items: Sequence[T], key: Callable[[T], Any] | None = None) -> list[list[T]]:
    """``items`` cut into runs of consecutive items of the same kind (``key``: the item's
    kind; by default ``item["kind"]``)."""
    kind_of = key or (lambda item: item["kind"])  # type: ignore[index]
    out: list[list[T]] = []
    for item in items:
        if out and kind_of(out[-1][0]) == kind_of(item):
            out[-1].append(item)
        else:
            out.append([item])
    return out


def describe_skipped(report: Deletion, operation: str) -> list[str]:
    """Helm-style lines about what a deletion left in place, for warnings."""
    lines = []
    if report.kept:
        lines.append(
            "kept by helm.sh/resource-policy=keep: " + ", ".join(i.short for i in report.kept)
        )
    if report.foreign:
        lines.append(
            f"{len(report.foreign)} resource(s) were not deleted because they are not owned by "
            f"this {operation}: " + ", ".join(i.short for i in report.foreign)
        )
    return lines


__all__ = [
    "KEEP_ANNOTATION",
    "ClusterError",
    "Deletion",
    "Engine",
    "HelmOwner",
    "Owner",
    "describe_skipped",
    "keeps",
]
