"""One idempotent reconcile of a ModelService, shared by every trigger.

create, update, resume (kopf handlers), events of owned objects, and the periodic resync
all end in :meth:`Reconciler.reconcile`: render the spec with the CLI's renderer, apply
the children that are missing, changed or drifted with the CLI's server-side apply
(:meth:`Cluster.apply`), delete the children the spec no longer renders, and write the
status when it changed. Live objects come from a :class:`LiveView` (the operator's watch
caches), so a reconcile that finds nothing to do makes no API request at all.

This module does not import kopf: it is driven by :mod:`.handlers`, and by the tests with
a fake view and a fake cluster.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from modelservice.cluster.client import Cluster, ClusterError
from modelservice.cluster.wait import pod_selector, pod_summary, readiness
from modelservice.operator.crd import API_VERSION, HASH_ANNOTATION, KIND, OWNER_LABEL
from modelservice.operator.desired import (
    Key,
    Obj,
    desired_children,
    drift,
    group_of,
    key_of,
    owned_by,
    plan,
)
from modelservice.operator.status import compute_status, merge_patch, owned_refs

logger = logging.getLogger("modelservice.operator")

#: Field manager of the operator's server-side applies.
FIELD_MANAGER = "llm-d-modelservice-operator"

#: Kinds the renderer can produce, as (apiVersion, kind, plural); the operator keeps watch
#: caches of these (labelled with the owner label). Other kinds (extraObjects) are read
#: with GET when needed.
WATCHED_KINDS: tuple[tuple[str, str, str], ...] = (
    ("v1", "ServiceAccount", "serviceaccounts"),
    ("v1", "Service", "services"),
    ("rbac.authorization.k8s.io/v1", "Role", "roles"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings"),
    ("apps/v1", "Deployment", "deployments"),
    ("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet", "leaderworkersets"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute", "httproutes"),
    ("inference.networking.x-k8s.io/v1alpha2", "InferencePool", "inferencepools"),
    ("inference.networking.x-k8s.io/v1alpha2", "InferenceModel", "inferencemodels"),
    ("inference.networking.k8s.io/v1", "InferencePool", "inferencepools"),
    ("monitoring.coreos.com/v1", "PodMonitor", "podmonitors"),
)
WATCHED = {(group_of(a), k) for a, k, _ in WATCHED_KINDS}


class LiveView(Protocol):
    """Where live objects come from (the operator's watch caches)."""

    def parent(self, namespace: str, name: str) -> Obj | None:
        """The ModelService as last seen, or None when it is gone."""

    def children(self, namespace: str, owner: str) -> list[Obj]:
        """Live objects of the watched kinds with the owner label ``owner``."""

    def watches(self, api_version: str, kind: str) -> bool:
        """Whether :meth:`children` covers this kind."""


class OperatorCluster(Cluster):
    """A :class:`Cluster` that also counts requests per thread (so one reconcile's requests
    can be told apart from another's running alongside) and patches ModelService status."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("field_manager", FIELD_MANAGER)
        super().__init__(**kwargs)
        self._local = threading.local()

    @property
    def thread_requests(self) -> int:
        return int(getattr(self._local, "n", 0))

    def _count(self) -> None:
        self._local.n = self.thread_requests + 1

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        self._count()
        return super()._call(what, fn, *args, **kwargs)

    def _raw_get(self, path: str) -> dict[str, Any] | None:
        self._count()
        return super()._raw_get(path)

    def patch_status(self, name: str, namespace: str, patch: Mapping[str, Any]) -> Obj:
        from lightkube.types import PatchType

        from modelservice.cluster.client import _as_dict

        cls = self.resource_class(API_VERSION, KIND)
        result = self._call(
            f"patch {KIND}/{name} status",
            self.client.patch,
            cls.Status,
            name,
            {"status": dict(patch)},
            namespace=namespace,
            patch_type=PatchType.MERGE,
        )
        return _as_dict(result)

    def is_cluster_scoped(self, api_version: str, kind: str) -> bool:
        try:
            return not self.resource_type(api_version, kind).namespaced
        except ClusterError:
            return False  # not served: the apply says so, with the fix


@dataclass
class Result:
    """What one reconcile did."""

    applied: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    status_patched: bool = False
    requests: int = 0
    seconds: float = 0.0
    error: str | None = None
    invalid: str | None = None
    skipped: str | None = None

    @property
    def noop(self) -> bool:
        return not (self.applied or self.deleted or self.status_patched or self.error)


@dataclass
class Stats:
    reconciles: int = 0
    noop_reconciles: int = 0
    noop_requests: int = 0
    requests: int = 0
    applies: int = 0
    deletes: int = 0
    status_patches: int = 0
    errors: int = 0
    invalid: int = 0
    by_trigger: dict[str, int] = field(default_factory=dict)

    def add(self, trigger: str, result: Result) -> None:
        self.reconciles += 1
        self.by_trigger[trigger] = self.by_trigger.get(trigger, 0) + 1
        self.requests += result.requests
        self.applies += len(result.applied)
        self.deletes += len(result.deleted)
        self.status_patches += int(result.status_patched)
        self.errors += int(result.error is not None)
        self.invalid += int(result.invalid is not None)
        if result.noop:
            self.noop_reconciles += 1
            self.noop_requests += result.requests

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["by_trigger"] = dict(self.by_trigger)
        out["requests_per_noop_reconcile"] = (
            self.noop_requests / self.noop_reconciles if self.noop_reconciles else None
        )
        return out


class Reconciler:
    """Reconciles ModelServices; safe to call from several threads (one reconcile per
    ModelService at a time; triggers arriving meanwhile are coalesced into one re-run)."""

    def __init__(
        self, cluster: OperatorCluster, view: LiveView, *, stats_file: str | None = None
    ) -> None:
        self.cluster = cluster
        self.view = view
        self.stats = Stats()
        self.stats_file = stats_file
        self._guard = threading.Lock()
        self._stats_lock = threading.Lock()
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._dirty: set[tuple[str, str]] = set()
        #: uid → (hash, generation) of objects that differ from what was applied only by
        #: server-side normalisation (not drift; not re-applied while both stay the same).
        self.accepted: dict[str, tuple[str, int]] = {}

    # ------------------------------------------------------------------ scheduling

    def _lock(self, key: tuple[str, str]) -> threading.Lock:
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.Lock()
            return lock

    def reconcile(self, parent: Mapping[str, Any], *, trigger: str = "handler") -> Result:
        """Reconcile now (waiting for a reconcile of the same ModelService to finish)."""
        meta = parent["metadata"]
        key = (str(meta["namespace"]), str(meta["name"]))
        with self._lock(key):
            result = self._reconcile(parent, trigger)
        self._drain(key)
        return result

    def kick(self, namespace: str, name: str, *, trigger: str) -> None:
        """Reconcile the ModelService as the view last saw it, unless one is running; then
        that one runs once more when it is done."""
        key = (namespace, name)
        with self._guard:
            self._dirty.add(key)
        self._drain(key, trigger)

    def _drain(self, key: tuple[str, str], trigger: str = "coalesced") -> None:
        lock = self._lock(key)
        while True:
            with self._guard:
                if key not in self._dirty:
                    return
            if not lock.acquire(blocking=False):
                return  # the holder re-checks the flag after releasing
            try:
                with self._guard:
                    if key not in self._dirty:
                        continue
                    self._dirty.discard(key)
                parent = self.view.parent(*key)
                if parent is not None:
                    self._reconcile(parent, trigger)
            finally:
                lock.release()

    # ------------------------------------------------------------------ the reconcile

    def _reconcile(self, parent: Mapping[str, Any], trigger: str) -> Result:
        started = time.perf_counter()
        before = self.cluster.thread_requests
        result = Result()
        try:
            self._do(parent, trigger, result)
        except ClusterError as err:
            result.error = str(err)
        result.requests = self.cluster.thread_requests - before
        result.seconds = time.perf_counter() - started
        with self._stats_lock:
            self.stats.add(trigger, result)
        meta = parent["metadata"]
        where = f"{meta['namespace']}/{meta['name']}"
        if result.noop:
            logger.debug("%s: nothing to do (%s, %d requests)", where, trigger, result.requests)
        else:
            logger.info(
                "%s: %s applied=%s deleted=%s status=%s requests=%d%s",
                where,
                trigger,
                result.applied,
                result.deleted,
                "patched" if result.status_patched else "same",
                result.requests,
                f" error={result.error}" if result.error else "",
            )
        self.write_stats()
        return result

    def _do(self, parent: Mapping[str, Any], trigger: str, result: Result) -> None:
        meta = parent["metadata"]
        ns, name = str(meta["namespace"]), str(meta["name"])
        if meta.get("deletionTimestamp"):
            result.skipped = "being deleted"
            return
        desired = desired_children(parent, cluster_scoped=self._cluster_scoped(parent))
        children = self.view.children(ns, name)
        live: dict[Key, Obj] = {key_of(o): o for o in children}
        previous = list((parent.get("status") or {}).get("owned") or [])
        for obj in desired.objects:
            if not self.view.watches(obj["apiVersion"], obj["kind"]):
                got = self.cluster.get(obj["apiVersion"], obj["kind"], obj["metadata"]["name"], ns)
                if got is not None:
                    live[key_of(got)] = got
        owned = [o for o in children if owned_by(o, parent)]
        want = {key_of(o) for o in desired.objects}
        if desired.error is None:
            for ref in previous:
                ref_key = (group_of(ref["apiVersion"]), ref["kind"], ref["name"])
                if ref_key in want or self.view.watches(ref["apiVersion"], ref["kind"]):
                    continue
                got = self.cluster.get(ref["apiVersion"], ref["kind"], ref["name"], ns)
                if got is not None and owned_by(got, parent):
                    live[ref_key] = got
                    owned.append(got)

        if desired.error is not None:
            result.invalid = str(desired.error)
            refs = previous or owned_refs(owned)
            status = compute_status(
                parent, owned=refs, live=live, model_name=None, invalid=result.invalid
            )
            self._write_status(parent, status, result)
            return

        steps = plan(parent, desired.objects, live, owned, accepted=self.accepted)
        apply_error: str | None = None
        if steps.apply and trigger != "handler" and any(r == "missing" for _, r in steps.apply):
            # About to create: make sure the ModelService still exists (a child's deletion
            # event can arrive just after its owner was deleted).
            fresh = self.cluster.get(API_VERSION, KIND, name, ns)
            if fresh is None or fresh["metadata"].get("uid") != meta["uid"]:
                result.skipped = "ModelService is gone"
                return
            if fresh["metadata"].get("deletionTimestamp"):
                result.skipped = "being deleted"
                return
        for obj, reason in steps.apply:
            what = f"{obj['kind']}/{obj['metadata']['name']}"
            try:
                applied = self.cluster.apply(obj, force=True)
            except ClusterError as err:
                apply_error = str(err)
                break
            result.applied.append(f"{what} ({reason})")
            live[key_of(obj)] = applied
            if drift(obj, applied) is not None:
                ameta = applied.get("metadata") or {}
                ann = obj["metadata"]["annotations"]
                self.accepted[str(ameta.get("uid"))] = (
                    ann[HASH_ANNOTATION],
                    int(ameta.get("generation") or 0),
                )
        if apply_error is None:
            for obj in steps.delete:
                ometa = obj["metadata"]
                try:
                    self.cluster.delete(obj["apiVersion"], obj["kind"], ometa["name"], ns)
                except ClusterError as err:
                    apply_error = str(err)
                    break
                live.pop(key_of(obj), None)
                result.deleted.append(f"{obj['kind']}/{ometa['name']}")
        refs = owned_refs(desired.objects)
        status = compute_status(
            parent,
            owned=refs,
            live=live,
            model_name=desired.model_name,
            warnings=[str(w) for w in desired.warnings],
            apply_error=apply_error,
            conflicts=steps.conflicts,
            problems=self._pod_problems(refs, live, ns) if _stuck(parent) else None,
        )
        self._write_status(parent, status, result)
        if apply_error is not None:
            result.error = apply_error

    def _pod_problems(
        self, refs: list[Obj], live: Mapping[Key, Obj], namespace: str
    ) -> dict[Key, str]:
        """Why the pods of workloads that are not ready are not (one pod list each; none
        when everything is ready, so a steady-state reconcile stays read-only)."""
        out: dict[Key, str] = {}
        for ref in refs:
            key = (group_of(ref["apiVersion"]), ref["kind"], ref["name"])
            obj = live.get(key)
            if obj is None or ref["kind"] not in ("Deployment", "LeaderWorkerSet"):
                continue
            if readiness(dict(obj), ref["kind"], ref["name"]).ready:
                continue
            selector = pod_selector(dict(obj))
            if not selector:
                continue
            pods = self.cluster.list("v1", "Pod", namespace=namespace, labels=selector)
            problem = pod_summary(pods)[3]
            if problem:
                out[key] = problem
        return out

    def _cluster_scoped(self, parent: Mapping[str, Any]) -> set[tuple[str, str]]:
        """Cluster-scoped kinds among the spec's extraObjects (discovery is cached)."""
        extra = (parent.get("spec") or {}).get("extraObjects") or []
        out = set()
        for obj in extra if isinstance(extra, list) else []:
            if not isinstance(obj, Mapping):
                continue
            api, kind = obj.get("apiVersion"), obj.get("kind")
            if (
                isinstance(api, str)
                and isinstance(kind, str)
                and self.cluster.is_cluster_scoped(api, kind)
            ):
                out.add((api, kind))
        return out

    def _write_status(self, parent: Mapping[str, Any], status: Obj, result: Result) -> None:
        old = parent.get("status") or {}
        comparable = {k: v for k, v in old.items() if k in status or k in _STATUS_KEYS}
        patch = merge_patch(comparable, status)
        if not patch:
            return
        meta = parent["metadata"]
        try:
            self.cluster.patch_status(meta["name"], meta["namespace"], patch)
        except ClusterError as err:
            if "not found" in str(err).lower():
                result.skipped = "ModelService is gone"
                return
            raise
        result.status_patched = True

    # ------------------------------------------------------------------ stats

    def write_stats(self) -> None:
        """Keep the statistics in ``stats_file`` (written whole, atomically)."""
        if not self.stats_file:
            return
        with self._stats_lock:
            tmp = f"{self.stats_file}.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump({**self.stats.as_dict(), "pid": os.getpid(), "time": time.time()}, f)
            os.replace(tmp, self.stats_file)


#: Not Ready for this long: the status also says why the pods are not ready (listing them
#: costs a request per workload, not worth it during an ordinary rollout).
STUCK_AFTER = 15.0


def _stuck(parent: Mapping[str, Any]) -> bool:
    import datetime

    for cond in (parent.get("status") or {}).get("conditions") or []:
        if cond.get("type") != "Ready":
            continue
        if cond.get("status") == "True":
            return False
        try:
            since = datetime.datetime.fromisoformat(str(cond.get("lastTransitionTime")))
        except ValueError:
            return True
        if since.tzinfo is None:
            since = since.replace(tzinfo=datetime.UTC)
        age = datetime.datetime.now(datetime.UTC) - since
        return age.total_seconds() >= STUCK_AFTER
    return False


_STATUS_KEYS = ("observedGeneration", "model", "conditions", "decode", "prefill", "owned")


def owner_of(obj: Mapping[str, Any]) -> str | None:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    value = labels.get(OWNER_LABEL)
    return str(value) if value else None
