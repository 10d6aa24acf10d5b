"""A release's lifecycle on a cluster: install, upgrade, diff, status, rollback, uninstall.

Each operation renders first (nothing touches the cluster when the values are wrong), then
works like Helm 4: server-side apply of every object, Helm release records as the history
and as the lock (a ``pending-*`` record; creating a revision's Secret is atomic, so two
concurrent upgrades cannot both create revision N), pruning of objects a revision no
longer renders. The manifests themselves come from the renderer; this module only adds the
ownership metadata Helm adds at apply time.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelservice.cluster.client import Cluster, ClusterError
from modelservice.cluster.records import (
    DEPLOYED,
    FAILED,
    PENDING,
    PENDING_INSTALL,
    PENDING_ROLLBACK,
    PENDING_UPGRADE,
    SUPERSEDED,
    UNINSTALLED,
    UNINSTALLING,
    Record,
    now,
    parse_time,
    secret_name,
)
from modelservice.cluster.wait import Readiness, pod_selector, pod_summary, readiness
from modelservice.errors import Problem

if TYPE_CHECKING:
    from modelservice.values.layering import Values

Obj = dict[str, Any]
Identity = tuple[str, str, str, str]
ProgressFn = Callable[[list[Readiness]], None]

KEEP_ANNOTATION = "helm.sh/resource-policy"
DEFAULT_TIMEOUT = 300.0

DryRun = bool | str
"""``False`` (or ``"none"``): act. ``"client"``: render, validate and read the release's
records, nothing sent that changes anything. ``"server"`` (or ``True``): also have the
API server check every write with a dry run."""


def dry_run_mode(dry_run: DryRun) -> str | None:
    """``"client"``, ``"server"`` or None (a real operation)."""
    if dry_run is False or dry_run is None or dry_run == "none":
        return None
    if dry_run is True or dry_run == "server":
        return "server"
    if dry_run == "client":
        return "client"
    raise ValueError(f"dry_run must be False, True, 'client', 'server' or 'none': {dry_run!r}")


class ReleaseError(ClusterError):
    """A lifecycle rule was broken (release missing, already exists, locked, failed)."""


@dataclass
class ObjectStatus:
    readiness: Readiness
    pods_ready: int = 0
    pods: int = 0
    restarts: int = 0
    problem: str = ""


@dataclass
class ReleaseStatus:
    record: Record
    objects: list[ObjectStatus] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return all(o.readiness.ready for o in self.objects)


@dataclass
class ObjectDiff:
    kind: str
    name: str
    action: str
    """``create``, ``update``, ``delete`` or ``unchanged``."""
    before: str
    after: str


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def identity(obj: Mapping[str, Any], namespace: str) -> Identity:
    meta = obj.get("metadata") or {}
    return (
        _group(str(obj.get("apiVersion", ""))),
        str(obj.get("kind")),
        str(meta.get("namespace") or namespace),
        str(meta.get("name")),
    )


def parse_manifest(text: str) -> list[Obj]:
    import yaml

    return [d for d in yaml.safe_load_all(text) if isinstance(d, dict) and d.get("kind")]


def own(obj: Obj, release: str, namespace: str) -> Obj:
    """The object with Helm's ownership label and annotations.

    Never edits ``obj``: the metadata and its label and annotation maps are new, so the
    ownership label cannot reach a map that ``obj`` shares with its selector. The rest of
    the object is shared with ``obj``, and this layer never edits it.
    """
    meta = dict(obj.get("metadata") or {})
    meta["labels"] = {**(meta.get("labels") or {}), "app.kubernetes.io/managed-by": "Helm"}
    meta["annotations"] = {
        **(meta.get("annotations") or {}),
        "meta.helm.sh/release-name": release,
        "meta.helm.sh/release-namespace": namespace,
    }
    return {**obj, "metadata": meta}


class Release:
    """One named release in one namespace of one cluster.

    >>> rel = Release("llama", namespace="llm-d")            # doctest: +SKIP
    >>> rel.install(modelservice.load_values(files=["v.yaml"]), wait=True)  # doctest: +SKIP
    """

    def __init__(
        self,
        name: str,
        *,
        namespace: str | None = None,
        kubeconfig: str | None = None,
        context: str | None = None,
        cluster: Cluster | None = None,
        on_warnings: Callable[[list[Problem]], None] | None = None,
    ) -> None:
        self.name = name
        self.on_warnings = on_warnings
        """Called with the values' warnings each time the release is rendered."""
        self.cluster = cluster or Cluster(
            kubeconfig=kubeconfig, context=context, namespace=namespace
        )
        self.namespace = namespace or self.cluster.namespace

    # ------------------------------------------------------------------ records

    def history(self) -> list[Record]:
        """Every revision, oldest first (records that do not decode are skipped, as Helm does)."""
        secrets = self.cluster.list(
            "v1", "Secret", namespace=self.namespace, labels={"owner": "helm", "name": self.name}
        )
        records = [r for r in (Record.from_secret(s) for s in secrets) if r is not None]
        return sorted((r for r in records if r.name == self.name), key=lambda r: r.version)

    def _write(self, record: Record, *, create: bool = False) -> None:
        secret = record.to_secret()
        if create:
            try:
                self.cluster.create(secret)
            except ClusterError as exc:
                if "already exists" in str(exc):
                    raise ReleaseError(
                        f"another operation on release {self.name!r} is running: revision "
                        f"{record.version} was created by someone else just now. Wait for it "
                        "to finish ('modelservice status'), then retry."
                    ) from None
                raise
        else:
            self.cluster.replace(secret)

    def _delete_record(self, record: Record) -> None:
        self.cluster.delete(
            "v1", "Secret", secret_name(record.name, record.version), self.namespace
        )

    # ------------------------------------------------------------------ rendering

    def _render(
        self, values: Values | Mapping[str, Any] | None
    ) -> tuple[list[Obj], dict[str, Any], str]:
        """The objects with ownership metadata, the user's values, and the manifest text
        a release record stores."""
        from modelservice.pipeline import render_release

        result = render_release(values, release=self.name, namespace=self.namespace)
        if self.on_warnings is not None and result.warnings:
            self.on_warnings(list(result.warnings))
        user = getattr(values, "user", None)
        if user is None:
            user = dict(values) if isinstance(values, Mapping) else {}
        owned = [own(o, self.name, self.namespace) for o in result.objects]
        return owned, copy.deepcopy(user), self._manifest(owned, result.sources)

    @staticmethod
    def _manifest(objects: Sequence[Obj], sources: Sequence[str]) -> str:
        from modelservice.output.yaml import dump_all

        return dump_all(objects, sources)

    # ------------------------------------------------------------------ locking

    def _check_lock(self, latest: Record | None, *, force: bool, timeout: float) -> Record | None:
        """Refuse while another operation holds the release; with ``force``, take over a
        lock older than ``timeout``. Returns the taken-over record, if any."""
        if latest is None or latest.status not in PENDING:
            return None
        started = parse_time(latest.last_deployed) or parse_time(latest.first_deployed)
        age = time.time() - started.timestamp() if started else float("inf")
        if not force or age < timeout:
            hint = (
                f"if that operation died, retry with --force once it is older than the "
                f"timeout ({timeout:.0f}s; it is {age:.0f}s old)"
            )
            raise ReleaseError(
                f"release {self.name!r} is locked: revision {latest.version} is "
                f"{latest.status} (another install/upgrade/rollback is in progress); {hint}"
            )
        latest.status = FAILED
        latest.description = f"taken over by a forced operation after {age:.0f}s"
        self._write(latest)
        return latest

    # ------------------------------------------------------------------ apply / prune

    def _apply_all(
        self, objects: Sequence[Obj], *, force_conflicts: bool, dry_run: bool = False
    ) -> None:
        for obj in objects:
            self.cluster.apply(obj, force=force_conflicts, dry_run=dry_run)

    def _prune(
        self, old: Iterable[Obj], new: Sequence[Obj], *, dry_run: bool = False
    ) -> list[Identity]:
        """Delete what ``old`` had and ``new`` lacks, in reverse install order (with
        ``dry_run``, the API server only checks each deletion)."""
        keep = {identity(o, self.namespace) for o in new}
        gone: list[Identity] = []
        for obj in reversed(list(old)):
            ident = identity(obj, self.namespace)
            if ident in keep or ident in gone:
                continue
            if _kept(obj):
                continue
            name = obj["metadata"]["name"]
            self.cluster.delete(
                obj["apiVersion"], obj["kind"], name, self._namespace_of(obj), dry_run=dry_run
            )
            gone.append(ident)
        return gone

    # ------------------------------------------------------------------ waiting

    def object_status(self, obj: Obj) -> ObjectStatus:
        live = self._live(obj)
        state = ObjectStatus(readiness(live, obj["kind"], obj["metadata"]["name"]))
        selector = pod_selector(live or obj)
        if selector is not None:
            pods = self.cluster.list(
                "v1", "Pod", namespace=self._namespace_of(obj), labels=selector
            )
            state.pods_ready, state.pods, state.restarts, state.problem = pod_summary(pods)
        return state

    def wait(
        self,
        objects: Sequence[Obj],
        *,
        timeout: float,
        progress: ProgressFn | None = None,
        interval: float = 1.0,
    ) -> None:
        """Poll until every object is ready; on timeout, say which are not and why."""
        deadline = time.monotonic() + timeout
        while True:
            states = [readiness(self._live(o), o["kind"], o["metadata"]["name"]) for o in objects]
            if progress:
                progress(states)
            if all(s.ready for s in states):
                return
            if time.monotonic() >= deadline:
                lines = []
                for obj, s in zip(objects, states, strict=True):
                    if s.ready:
                        continue
                    why = self.object_status(obj).problem
                    lines.append(
                        f"  {s.kind}/{s.name}: {s.progress}" + (f" ({why})" if why else "")
                    )
                raise ReleaseError(
                    f"timed out after {timeout:.0f}s waiting for release "
                    f"{self.name!r}; not ready:\n" + "\n".join(lines)
                )
            time.sleep(min(interval, max(0.0, deadline - time.monotonic())))

    def _namespace_of(self, obj: Obj) -> str:
        return str((obj.get("metadata") or {}).get("namespace") or self.namespace)

    def _live(self, obj: Obj) -> Obj | None:
        name = obj["metadata"]["name"]
        return self.cluster.get(obj["apiVersion"], obj["kind"], name, self._namespace_of(obj))

    # ------------------------------------------------------------------ operations

    def install(
        self,
        values: Values | Mapping[str, Any] | None = None,
        *,
        create_namespace: bool = False,
        dry_run: DryRun = False,
        wait: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        atomic: bool = False,
        force_conflicts: bool = True,
        progress: ProgressFn | None = None,
    ) -> Record:
        """Install a new release; refuses a name already in use. A client dry run
        renders and validates only, with no request at all."""
        objects, user, manifest = self._render(values)
        mode = dry_run_mode(dry_run)
        if mode == "client":
            what = f"{len(objects)} objects would be created (client dry run, cluster not asked)"
            return Record(self.name, self.namespace, 1, PENDING_INSTALL, manifest, user, what)
        if mode == "server":
            return self._dry_run(objects, user, manifest, create_namespace)
        self.cluster.ensure_namespace(self.namespace, create=create_namespace)
        records = self.history()
        if any(r.status != UNINSTALLED for r in records):
            latest = records[-1]
            raise ReleaseError(
                f"release {self.name!r} already exists in namespace "
                f"{self.namespace!r} (revision {latest.version}, {latest.status}); "
                "use 'modelservice upgrade' to change it"
            )
        version = records[-1].version + 1 if records else 1
        return self._deploy(
            objects,
            user,
            version,
            PENDING_INSTALL,
            "Install complete",
            None,
            [],
            manifest=manifest,
            wait=wait,
            timeout=timeout,
            atomic=atomic,
            force_conflicts=force_conflicts,
            progress=progress,
        )

    def upgrade(
        self,
        values: Values | Mapping[str, Any] | None = None,
        *,
        install: bool = False,
        create_namespace: bool = False,
        dry_run: DryRun = False,
        wait: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        atomic: bool = False,
        force: bool = False,
        force_conflicts: bool = True,
        history_max: int = 10,
        progress: ProgressFn | None = None,
    ) -> Record:
        """Upgrade to newly rendered values; ``install`` creates a missing release. A dry
        run returns the revision it would store (see :meth:`changes`), storing nothing."""
        objects, user, manifest = self._render(values)
        mode = dry_run_mode(dry_run)
        if mode is not None:
            records = self.history()
            deployed = next((r for r in reversed(records) if r.status == DEPLOYED), None)
            if deployed is None and not install:
                raise self._no_deployed_revision()
            record = (
                self._dry_run(objects, user, manifest, create_namespace)
                if mode == "server"
                else Record(self.name, self.namespace, 0, PENDING_UPGRADE, manifest, user)
            )
            record.version = records[-1].version + 1 if records else 1
            record.status = PENDING_UPGRADE if deployed else PENDING_INSTALL
            record.description = f"dry run ({mode}): " + (
                record.description or "rendered and checked against the release's records"
            )
            return record
        self.cluster.ensure_namespace(self.namespace, create=create_namespace or install)
        records = self.history()
        taken = self._check_lock(records[-1] if records else None, force=force, timeout=timeout)
        deployed = next((r for r in reversed(records) if r.status == DEPLOYED), None)
        if deployed is None and not install:
            raise self._no_deployed_revision()
        old = parse_manifest(deployed.manifest) if deployed else []
        if taken is not None:
            old += parse_manifest(taken.manifest)
        version = records[-1].version + 1 if records else 1
        status = PENDING_UPGRADE if deployed else PENDING_INSTALL
        desc = "Upgrade complete" if deployed else "Install complete"
        return self._deploy(
            objects,
            user,
            version,
            status,
            desc,
            deployed,
            old,
            manifest=manifest,
            wait=wait,
            timeout=timeout,
            atomic=atomic,
            force_conflicts=force_conflicts,
            progress=progress,
            history_max=history_max,
        )

    def _no_deployed_revision(self) -> ReleaseError:
        return ReleaseError(
            f"release {self.name!r} has no deployed revision in namespace "
            f"{self.namespace!r}; use 'modelservice install' (or upgrade --install)"
        )

    def changes(self, record: Record) -> list[ObjectDiff]:
        """What storing ``record`` (a dry run's) would change, object by object, against
        the deployed revision's manifest: from the release's records, not the live
        objects (``diff`` compares with those)."""
        from modelservice.output.yaml import dump

        current = next((r for r in reversed(self.history()) if r.status == DEPLOYED), None)
        before = (
            {identity(o, self.namespace): o for o in parse_manifest(current.manifest)}
            if current
            else {}
        )
        out = []
        after = parse_manifest(record.manifest)
        for obj in after:
            old = before.get(identity(obj, self.namespace))
            text = dump(obj)
            action = "create" if old is None else ("unchanged" if dump(old) == text else "update")
            out.append(
                ObjectDiff(
                    obj["kind"], obj["metadata"]["name"], action, dump(old) if old else "", text
                )
            )
        keep = {identity(o, self.namespace) for o in after}
        for ident, obj in before.items():
            if ident not in keep:
                action = "keep" if _kept(obj) else "delete"
                out.append(ObjectDiff(obj["kind"], obj["metadata"]["name"], action, dump(obj), ""))
        return out

    def _dry_run(
        self, objects: list[Obj], user: dict[str, Any], manifest: str, create_namespace: bool
    ) -> Record:
        """Server-side dry run: the API server validates (and defaults) every object. The
        record returned is not stored; its description says what was checked."""
        exists = self.cluster.get("v1", "Namespace", self.namespace) is not None
        if not exists and not create_namespace:
            raise ReleaseError(
                f"namespace {self.namespace!r} does not exist: create it, or pass "
                "--create-namespace"
            )
        if exists:
            self._apply_all(objects, force_conflicts=True, dry_run=True)
            what = f"the API server accepted all {len(objects)} objects"
        else:
            # Objects cannot be dry-run into a namespace that does not exist yet: check the
            # namespace itself and the cluster-scoped objects, and say what was left out.
            ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.namespace}}
            self.cluster.apply(ns, dry_run=True)
            rtype = self.cluster.resource_type
            scoped = [o for o in objects if not rtype(o["apiVersion"], o["kind"]).namespaced]
            self._apply_all(scoped, force_conflicts=True, dry_run=True)
            what = (
                f"the API server accepted the namespace {self.namespace!r} and "
                f"{len(scoped)} cluster-scoped objects; the other {len(objects) - len(scoped)} "
                "objects can only be checked once the namespace exists"
            )
        return Record(
            self.name,
            self.namespace,
            0,
            "pending-install",
            manifest,
            user,
            description=what,
        )

    def _deploy(
        self,
        objects: list[Obj],
        user: dict[str, Any],
        version: int,
        pending: str,
        description: str,
        previous: Record | None,
        old: list[Obj],
        *,
        manifest: str,
        wait: bool,
        timeout: float,
        atomic: bool,
        force_conflicts: bool,
        progress: ProgressFn | None,
        history_max: int = 10,
    ) -> Record:
        # Every kind must be served before anything is written: a missing CRD is reported
        # with nothing applied and no record left behind.
        for obj in objects:
            self.cluster.resource_type(obj["apiVersion"], obj["kind"])
        stamp = now()
        record = Record(
            self.name,
            self.namespace,
            version,
            pending,
            manifest,
            user,
            description=f"{pending.replace('pending-', '').capitalize()} in progress",
            first_deployed=previous.first_deployed if previous else stamp,
            last_deployed=stamp,
        )
        self._write(record, create=True)
        try:
            self._apply_all(objects, force_conflicts=force_conflicts)
            self._prune(old, objects)
            if wait:
                self.wait(objects, timeout=timeout, progress=progress)
        except (ClusterError, KeyboardInterrupt) as exc:
            record.status = FAILED
            record.description = f"{pending.replace('pending-', '').capitalize()} failed: {exc}"
            self._write(record)
            if atomic:
                self._undo(objects, previous)
                raise ReleaseError(
                    f"{exc}\nrolled back (--atomic): "
                    + (
                        f"revision {previous.version} is running and deployed"
                        if previous
                        else "the failed install was removed"
                    )
                ) from None
            raise
        if previous is not None:
            previous.status = SUPERSEDED
            self._write(previous)
        record.status = DEPLOYED
        record.description = description
        self._write(record)
        self._trim(history_max)
        return record

    def _undo(self, objects: list[Obj], previous: Record | None) -> None:
        """Put the previous revision back (or remove a failed install entirely)."""
        if previous is None:
            self._prune(objects, [])
            for r in self.history():
                self._delete_record(r)
            return
        before = parse_manifest(previous.manifest)
        self._apply_all(before, force_conflicts=True)
        self._prune(objects, before)

    def _trim(self, history_max: int) -> None:
        if history_max <= 0:
            return
        records = self.history()
        excess = len(records) - history_max
        for r in records:
            if excess <= 0:
                break
            if r.status == DEPLOYED:
                continue
            self._delete_record(r)
            excess -= 1

    def rollback(
        self,
        revision: int | None = None,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        force: bool = False,
        history_max: int = 10,
        progress: ProgressFn | None = None,
        dry_run: DryRun = False,
    ) -> Record:
        """Re-apply an earlier revision's manifest as a new revision (default: the one
        before the current). A dry run returns the revision it would store, storing
        nothing (see :meth:`changes`)."""
        records = self.history()
        if not records:
            raise ReleaseError(f"release {self.name!r} not found in namespace {self.namespace!r}")
        self._check_lock(records[-1], force=force, timeout=timeout)
        current = next((r for r in reversed(records) if r.status == DEPLOYED), None)
        target_version = (
            revision
            if revision is not None
            else ((current.version if current else records[-1].version) - 1)
        )
        target = next((r for r in records if r.version == target_version), None)
        if target is None:
            have = ", ".join(str(r.version) for r in records)
            raise ReleaseError(
                f"release {self.name!r} has no revision {target_version} (revisions: {have})"
            )
        objects = parse_manifest(target.manifest)
        old = parse_manifest(current.manifest) if current else []
        mode = dry_run_mode(dry_run)
        if mode is not None:
            if mode == "server":
                self._apply_all(objects, force_conflicts=True, dry_run=True)
                self._prune(old, objects, dry_run=True)
            return Record(
                self.name,
                self.namespace,
                records[-1].version + 1,
                PENDING_ROLLBACK,
                target.manifest,
                target.config,
                description=f"dry run ({mode}): Rollback to {target.version}",
            )
        return self._deploy(
            objects,
            target.config,
            records[-1].version + 1,
            PENDING_ROLLBACK,
            f"Rollback to {target.version}",
            current,
            old,
            manifest=target.manifest,  # as Helm: the revision's own manifest, as stored
            wait=wait,
            timeout=timeout,
            atomic=False,
            force_conflicts=True,
            progress=progress,
            history_max=history_max,
        )

    def uninstall(
        self,
        *,
        wait: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        keep_history: bool = False,
        dry_run: DryRun = False,
    ) -> list[Identity]:
        """Delete the release's objects in reverse install order, then its records. A
        dry run returns what would be deleted, and deletes nothing."""
        records = self.history()
        if not records:
            raise ReleaseError(f"release {self.name!r} not found in namespace {self.namespace!r}")
        latest = records[-1]
        current = next((r for r in reversed(records) if r.status == DEPLOYED), latest)
        objects = parse_manifest(current.manifest)
        mode = dry_run_mode(dry_run)
        if mode == "client":
            kept = [o for o in objects if not _kept(o)]
            return list(dict.fromkeys(identity(o, self.namespace) for o in reversed(kept)))
        if mode == "server":
            return self._prune(objects, [], dry_run=True)
        latest.status = UNINSTALLING
        self._write(latest)
        gone = self._prune(objects, [])
        if wait:
            deadline = time.monotonic() + timeout
            remaining = [o for o in objects if self._live(o) is not None]
            while remaining:
                if time.monotonic() >= deadline:
                    names = ", ".join(f"{o['kind']}/{o['metadata']['name']}" for o in remaining)
                    raise ReleaseError(
                        f"timed out after {timeout:.0f}s waiting for deletion of: {names}"
                    )
                time.sleep(0.5)
                remaining = [o for o in remaining if self._live(o) is not None]
        if keep_history:
            latest.status = UNINSTALLED
            latest.deleted = now()
            latest.description = "Uninstallation complete"
            self._write(latest)
        else:
            for r in records:
                self._delete_record(r)
        return gone

    def status(self) -> ReleaseStatus:
        records = self.history()
        if not records:
            raise ReleaseError(f"release {self.name!r} not found in namespace {self.namespace!r}")
        latest = records[-1]
        current = next((r for r in reversed(records) if r.status == DEPLOYED), latest)
        result = ReleaseStatus(latest)
        for obj in parse_manifest(current.manifest):
            result.objects.append(self.object_status(obj))
        return result

    def diff(self, values: Values | Mapping[str, Any] | None = None) -> list[ObjectDiff]:
        """What an upgrade to ``values`` would change: live objects against a server-side
        dry-run of the new ones, server-owned fields left out."""
        from modelservice.output.yaml import dump

        objects, _, _ = self._render(values)
        records = self.history()
        current = next((r for r in reversed(records) if r.status == DEPLOYED), None)
        out: list[ObjectDiff] = []
        ns_exists = self.cluster.get("v1", "Namespace", self.namespace) is not None
        for obj in objects:
            live = self._live(obj) if ns_exists else None
            after = self.cluster.apply(obj, force=True, dry_run=True) if ns_exists else obj
            before_text = dump(_comparable(live)) if live is not None else ""
            after_text = dump(_comparable(after))
            action = (
                "create"
                if live is None
                else ("unchanged" if before_text == after_text else "update")
            )
            out.append(
                ObjectDiff(obj["kind"], obj["metadata"]["name"], action, before_text, after_text)
            )
        keep = {identity(o, self.namespace) for o in objects}
        for obj in parse_manifest(current.manifest) if current else []:
            if identity(obj, self.namespace) in keep:
                continue
            live = self._live(obj)
            if live is not None:
                out.append(
                    ObjectDiff(
                        obj["kind"], obj["metadata"]["name"], "delete", dump(_comparable(live)), ""
                    )
                )
        return out


_SERVER_META = (
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
)
_SERVER_ANNOTATIONS = (
    "deployment.kubernetes.io/revision",
    "kubectl.kubernetes.io/last-applied-configuration",
)


def _kept(obj: Obj) -> bool:
    """Annotated ``helm.sh/resource-policy: keep``: never deleted by prune or uninstall."""
    return bool((obj.get("metadata") or {}).get("annotations", {}).get(KEEP_ANNOTATION) == "keep")


def _comparable(obj: Obj | None) -> Obj:
    """An object without the fields the server owns (status, bookkeeping metadata)."""
    if obj is None:
        return {}
    out = copy.deepcopy(obj)
    out.pop("status", None)
    meta = out.get("metadata") or {}
    for key in _SERVER_META:
        meta.pop(key, None)
    ann = meta.get("annotations") or {}
    for key in _SERVER_ANNOTATIONS:
        ann.pop(key, None)
    if "annotations" in meta and not ann:
        meta.pop("annotations")
    return out


def list_releases(
    cluster: Cluster, *, namespace: str | None = None, all_namespaces: bool = False
) -> list[Record]:
    """The latest record of every release (Helm's and ours) in a namespace, or everywhere."""
    secrets = cluster.list(
        "v1", "Secret", namespace=namespace, labels={"owner": "helm"}, all_namespaces=all_namespaces
    )
    latest: dict[tuple[str, str], Record] = {}
    for s in secrets:
        r = Record.from_secret(s)
        if r is None:
            continue
        key = (r.namespace, r.name)
        if key not in latest or r.version > latest[key].version:
            latest[key] = r
    return sorted(latest.values(), key=lambda r: (r.namespace, r.name))
