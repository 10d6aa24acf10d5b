"""Helm hooks: rendered objects annotated ``helm.sh/hook``, run at lifecycle events.

Helm keeps such an object out of the release's manifest: it is stored in the record's
``hooks`` and created when its events fire (``post-install,post-upgrade`` ...), without
the release's ownership marks; it is never pruned, and uninstall leaves it in place. The
upstream charts 0.2.1 to 0.2.16 render their HTTPRoute as a ``post-install,post-upgrade``
hook, so a release of those versions must be run the same way for Helm and this tool to
take turns on it: an HTTPRoute made by Helm's hook carries no ownership marks, and one
made here must not carry them either, nor appear in the manifest (``helm upgrade`` would
delete it as an object the chart no longer renders, then create it again as a hook).

Running a hook is Helm's ``execHook``: hooks of the event in order of weight, then name;
the delete policy ``before-hook-creation`` (the default) deletes the live object first, then
the hook is created; a Job or a Pod is waited for until it has completed (other kinds are
done once created); ``hook-succeeded``/``hook-failed`` delete it afterwards. One rule is
added to Helm's: a live object that belongs to something else (another release's marks, or
a controller such as the operator) is refused rather than deleted and replaced.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelservice.cluster.apply import (
    MANAGED_BY_HELM,
    MANAGED_BY_LABEL,
    RELEASE_NAME_ANNOTATION,
    RELEASE_NAMESPACE_ANNOTATION,
    string_map,
)
from modelservice.cluster.errors import Conflict, OwnershipConflict, ReleaseError

if TYPE_CHECKING:
    from modelservice.cluster.apply import Engine
    from modelservice.cluster.records import Record

Obj = dict[str, Any]

HOOK_ANNOTATION = "helm.sh/hook"
WEIGHT_ANNOTATION = "helm.sh/hook-weight"
DELETE_ANNOTATION = "helm.sh/hook-delete-policy"

BEFORE_CREATION = "before-hook-creation"
SUCCEEDED = "hook-succeeded"
FAILED = "hook-failed"

#: The events Helm knows (``test-success`` is Helm 2's name for ``test``).
EVENTS = {
    "pre-install": "pre-install",
    "post-install": "post-install",
    "pre-delete": "pre-delete",
    "post-delete": "post-delete",
    "pre-upgrade": "pre-upgrade",
    "post-upgrade": "post-upgrade",
    "pre-rollback": "pre-rollback",
    "post-rollback": "post-rollback",
    "test": "test",
    "test-success": "test",
}


@dataclass
class Hook:
    """One hook of a release."""

    obj: Obj
    path: str
    """The chart-relative template that renders it (``llm-d-modelservice/templates/...``)."""
    events: tuple[str, ...]
    weight: int = 0
    delete_policies: tuple[str, ...] = ()
    phase: str = ""
    started: str = ""
    completed: str = ""

    @property
    def name(self) -> str:
        return str((self.obj.get("metadata") or {}).get("name") or "")

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind") or "")

    def to_json(self) -> dict[str, Any]:
        """As Helm serializes a ``release.Hook``."""
        from modelservice.output.yaml import dump

        last_run: dict[str, Any] = {"phase": self.phase}
        if self.started:
            last_run["started_at"] = self.started
        if self.completed:
            last_run["completed_at"] = self.completed
        doc: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "path": self.path,
            "manifest": dump(self.obj),
            "events": list(self.events),
            "last_run": last_run,
        }
        if self.weight:
            doc["weight"] = self.weight
        if self.delete_policies:
            doc["delete_policies"] = list(self.delete_policies)
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], source: str) -> Hook | None:
        """A hook of a stored record (read with the bounded manifest parser); None when
        it holds no object."""
        from modelservice.cluster.release import parse_manifest

        text = doc.get("manifest")
        objects = parse_manifest(text, source) if isinstance(text, str) else []
        if not objects:
            return None
        events = doc.get("events")
        policies = doc.get("delete_policies")
        weight = doc.get("weight")
        return cls(
            objects[0],
            str(doc.get("path") or ""),
            tuple(str(e) for e in events) if isinstance(events, list) else (),
            weight if isinstance(weight, int) and not isinstance(weight, bool) else 0,
            tuple(str(p) for p in policies) if isinstance(policies, list) else (),
        )


def _csv(value: str) -> list[str]:
    return [part.strip().lower() for part in value.split(",")]


def split(
    objects: Sequence[Obj], sources: Sequence[str]
) -> tuple[list[Obj], list[str], list[Hook], list[str]]:
    """Helm's ``SortManifests``: the manifest's objects and their chart templates
    (``sources`` is parallel to ``objects``), the hooks, and warnings about objects left
    out because their hook annotation names an event Helm does not know."""
    from modelservice.output.yaml import source_path

    manifest: list[Obj] = []
    manifest_sources: list[str] = []
    hooks: list[Hook] = []
    skipped: list[str] = []
    for i, obj in enumerate(objects):
        source = sources[i] if i < len(sources) else ""
        annotations = string_map(obj.get("metadata") or {}, "annotations")
        if HOOK_ANNOTATION not in annotations:
            manifest.append(obj)
            manifest_sources.append(source)
            continue
        events = _csv(str(annotations[HOOK_ANNOTATION]))
        unknown = [e for e in events if e not in EVENTS]
        name = f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"
        if unknown:
            skipped.append(
                f"{name} is left out, as Helm leaves it out: its {HOOK_ANNOTATION} annotation "
                f"names {', '.join(repr(e) for e in unknown)}, not one of "
                f"{', '.join(sorted(set(EVENTS.values())))}"
            )
            continue
        try:
            weight = int(str(annotations.get(WEIGHT_ANNOTATION, "0")).strip())
        except ValueError:
            weight = 0
        policies = (
            tuple(_csv(str(annotations[DELETE_ANNOTATION])))
            if DELETE_ANNOTATION in annotations
            else ()
        )
        hooks.append(
            Hook(
                obj,
                source_path(source) if source else "",
                tuple(dict.fromkeys(EVENTS[e] for e in events)),
                weight,
                policies,
            )
        )
    return manifest, manifest_sources, hooks, skipped


def stored(record: Record) -> list[Hook]:
    """The hooks of a stored revision (those that do not hold an object are left out)."""
    out = []
    for i, doc in enumerate(record.hooks):
        hook = Hook.from_json(doc, f"revision {record.version}'s hook {i}")
        if hook is not None:
            out.append(hook)
    return out


def conflict(live: Mapping[str, Any], release: str, namespace: str) -> str | None:
    """Why a live object may not be replaced by this release's hook: it carries another
    release's Helm marks, or a controller owns it. (Hooks themselves carry no marks, so an
    object without any is taken to be an earlier run of the hook, as Helm takes it.)"""
    meta = live.get("metadata") or {}
    labels, annotations = string_map(meta, "labels"), string_map(meta, "annotations")
    other = annotations.get(RELEASE_NAME_ANNOTATION)
    other_ns = annotations.get(RELEASE_NAMESPACE_ANNOTATION, namespace)
    if (
        labels.get(MANAGED_BY_LABEL) == MANAGED_BY_HELM
        and other
        and (other, other_ns)
        != (
            release,
            namespace,
        )
    ):
        return f"it belongs to the Helm release {other!r} of namespace {other_ns!r}"
    for ref in meta.get("ownerReferences") or []:
        if isinstance(ref, Mapping) and ref.get("controller"):
            return f"it is controlled by {ref.get('kind')}/{ref.get('name')}"
    return None


def _done(live: Mapping[str, Any] | None, kind: str) -> tuple[bool, bool]:
    """(finished, succeeded) for Helm's ``WatchUntilReady``: Jobs and Pods run to an end;
    every other kind is done once it exists."""
    if live is None:
        return False, False
    status = live.get("status") or {}
    if kind == "Job":
        for cond in status.get("conditions") or []:
            if cond.get("status") == "True" and cond.get("type") in ("Complete", "Failed"):
                return True, cond["type"] == "Complete"
        return False, False
    if kind == "Pod":
        phase = status.get("phase")
        return phase in ("Succeeded", "Failed"), phase == "Succeeded"
    return True, True


class Runner:
    """Runs a release's hooks through its apply engine."""

    def __init__(
        self,
        engine: Engine,
        release: str,
        *,
        now: Callable[[], str],
        interval: float = 1.0,
    ) -> None:
        self.engine = engine
        self.release = release
        self.now = now
        self.interval = interval

    def check(self, hooks: Iterable[Hook]) -> None:
        """Refuse, before anything is written, hooks whose objects belong to something
        else (see :func:`conflict`)."""
        conflicts = []
        for hook in hooks:
            live = self.engine.live(hook.obj)
            why = conflict(live, self.release, self.engine.namespace) if live else None
            if why is not None:
                conflicts.append((self.engine.identity(hook.obj), why))
        if conflicts:
            raise OwnershipConflict(conflicts, "release's hook", adoptable=False)

    def run(self, hooks: Sequence[Hook], event: str, *, timeout: float) -> None:
        """Run the hooks of ``event`` (Helm's order: weight, then name)."""
        due = sorted((h for h in hooks if event in h.events), key=lambda h: (h.weight, h.name))
        deadline = time.monotonic() + timeout
        for hook in due:
            policies = hook.delete_policies or (BEFORE_CREATION,)
            if BEFORE_CREATION in policies:
                self._delete(hook, deadline)
            hook.started, hook.phase = self.now(), "Running"
            self.engine.apply(hook.obj, force_conflicts=False)
            ok = self._watch(hook, deadline)
            hook.completed, hook.phase = self.now(), "Succeeded" if ok else "Failed"
            if (SUCCEEDED if ok else FAILED) in policies:
                self._delete(hook, deadline)
            if not ok:
                raise ReleaseError(
                    f"{event} hook {hook.kind}/{hook.name} failed"
                    + (f" ({hook.path})" if hook.path else "")
                )

    def _delete(self, hook: Hook, deadline: float) -> None:
        """Delete the hook's live object (if it is not someone else's) and wait until it
        is gone; one replaced meanwhile is judged again."""
        while True:
            live = self.engine.live(hook.obj)
            if live is None:
                return
            why = conflict(live, self.release, self.engine.namespace)
            if why is not None:
                raise OwnershipConflict(
                    [(self.engine.identity(hook.obj), why)], "release's hook", adoptable=False
                )
            meta = live.get("metadata") or {}
            deleting = bool(meta.get("deletionTimestamp"))
            if not deleting:
                uid = meta.get("uid")
                try:
                    self.engine.api.delete(
                        str(hook.obj["apiVersion"]),
                        hook.kind,
                        hook.name,
                        self.engine.namespace_of(hook.obj),
                        uid=str(uid) if uid else None,
                    )
                except Conflict:
                    continue  # replaced since it was read: judge the new one
            if time.monotonic() >= deadline:
                raise ReleaseError(f"timed out waiting for hook {hook.kind}/{hook.name} to go")
            time.sleep(self.interval if deleting else 0.0)

    def _watch(self, hook: Hook, deadline: float) -> bool:
        while True:
            finished, ok = _done(self.engine.live(hook.obj), hook.kind)
            if finished:
                return ok
            if time.monotonic() >= deadline:
                raise ReleaseError(
                    f"timed out waiting for hook {hook.kind}/{hook.name} to complete"
                )
            time.sleep(self.interval)
