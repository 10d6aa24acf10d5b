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
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from modelservice.cluster.apply import Engine
from modelservice.cluster.client import Cluster, ClusterError, each
from modelservice.cluster.errors import AlreadyExists, NotFound
from modelservice.cluster.wait import pod_selector, pod_summary, readiness
from modelservice.kinds import RENDERED_KINDS
from modelservice.operator.crd import API_VERSION, HASH_ANNOTATION, KIND, OWNER_LABEL
from modelservice.operator.desired import (
    Key,
    ModelServiceOwner,
    Obj,
    default_policy,
    desired_children,
    drift,
    key_of,
    owned_by,
    plan,
)
from modelservice.operator.policy import Policy
from modelservice.operator.status import compute_status, merge_patch, owned_refs, ref_key

logger = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

#: Field manager of the operator's server-side applies.
FIELD_MANAGER = "llm-d-modelservice-operator"
#: The component named in the Events the operator posts.
COMPONENT = "llm-d-modelservice-operator"

#: Kinds the renderer can produce, as (apiVersion, kind, plural), from the one kinds table;
#: the operator keeps watch caches of these (labelled with the owner label). Other kinds
#: (extraObjects) are read with GET when needed.
WATCHED_KINDS: tuple[tuple[str, str, str], ...] = tuple(
    (k.api_version, k.kind, k.plural) for k in RENDERED_KINDS
)
WATCHED = {(k.group, k.kind) for k in RENDERED_KINDS}


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
        super()._count()
        self._local.n = self.thread_requests + 1

    def each(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """:func:`~modelservice.cluster.client.each`, with the requests made on the pool's
        threads counted on the calling thread (a reconcile's count is its thread's)."""

        def counted(item: T) -> tuple[R, int]:
            before = self.thread_requests
            return fn(item), self.thread_requests - before

        done = each(counted, items)
        self._local.n = self.thread_requests + sum(n for _, n in done)
        return [r for r, _ in done]

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

    def post_event(
        self, parent: Mapping[str, Any], type_: str, reason: str, message: str, source: str
    ) -> None:
        """A Kubernetes Event about ``parent``, as controllers post them (kubectl describe
        and kubectl get events show it)."""
        meta = parent["metadata"]
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.create(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"generateName": f"{meta['name']}.", "namespace": meta["namespace"]},
                "involvedObject": {
                    "apiVersion": API_VERSION,
                    "kind": KIND,
                    "name": meta["name"],
                    "namespace": meta["namespace"],
                    "uid": meta.get("uid"),
                    "resourceVersion": meta.get("resourceVersion"),
                },
                "type": type_,
                "reason": reason,
                "message": message[:1024],
                "source": {"component": COMPONENT},
                "reportingComponent": COMPONENT,
                "reportingInstance": source or COMPONENT,
                "firstTimestamp": stamp,
                "lastTimestamp": stamp,
                "count": 1,
            }
        )


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
    internal: bool = False
    """The error is a bug of ours (an exception), not the cluster's refusal."""
    events: list[str] = field(default_factory=list)

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
        self,
        cluster: OperatorCluster,
        view: LiveView,
        *,
        stats_file: str | None = None,
        policy: Policy | None = None,
        identity: str = "",
        workers: int = 8,
    ) -> None:
        self.cluster = cluster
        self.view = view
        self.stats = Stats()
        self.stats_file = stats_file
        self.policy = policy if policy is not None else default_policy()
        """What the operator may create beyond the chart's envelope (default: nothing)."""
        self.identity = identity
        #: (namespace, name) → the last internal error logged with its traceback: a
        #: ModelService that keeps failing the same way logs one line per reconcile after.
        self._reported: dict[tuple[str, str], str] = {}
        self._guard = threading.Lock()
        self._stats_lock = threading.Lock()
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._dirty: set[tuple[str, str]] = set()
        #: uid → (hash, generation) of objects that differ from what was applied only by
        #: server-side normalisation (not drift; not re-applied while both stay the same).
        self.accepted: dict[str, tuple[str, int]] = {}
        #: uid → :func:`signature` of each owned child as last seen (watch event or apply).
        self._seen: dict[str, tuple[Any, ...]] = {}
        self.workers = workers
        self._queued: set[tuple[str, str]] = set()
        self._pool: ThreadPoolExecutor | None = None

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

    def kick(self, namespace: str, name: str, *, trigger: str) -> Result | None:
        """Reconcile the ModelService as the view last saw it, unless one is running; then
        that one runs once more when it is done. Returns what the last run here did."""
        key = (namespace, name)
        with self._guard:
            self._dirty.add(key)
        return self._drain(key, trigger)

    def _drain(self, key: tuple[str, str], trigger: str = "coalesced") -> Result | None:
        lock = self._lock(key)
        result: Result | None = None
        while True:
            with self._guard:
                if key not in self._dirty:
                    return result
            if not lock.acquire(blocking=False):
                return result  # the holder re-checks the flag after releasing
            try:
                with self._guard:
                    if key not in self._dirty:
                        continue
                    self._dirty.discard(key)
                parent = self.view.parent(*key)
                if parent is not None:
                    result = self._reconcile(parent, trigger)
            finally:
                lock.release()

    def enqueue(self, namespace: str, name: str, *, trigger: str) -> None:
        """:meth:`kick` on one of the reconcile workers (``workers`` threads), without
        waiting; a ModelService already waiting in the queue is not queued twice."""
        key = (namespace, name)
        with self._guard:
            if key in self._queued:
                return
            self._queued.add(key)
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="reconcile")
            pool = self._pool
        pool.submit(self._dequeue, key, trigger)

    def _dequeue(self, key: tuple[str, str], trigger: str) -> None:
        with self._guard:
            self._queued.discard(key)
        try:
            result = self.kick(*key, trigger=trigger)
        except Exception:  # a reconcile turns its own errors into conditions: a backstop
            logger.exception("%s/%s: reconcile failed", *key)
            return
        refused = result is not None and result.error is not None and not result.internal
        if refused and (trigger in FRESH_TRIGGERS or trigger == "retry"):
            # The cluster refused something: try again shortly. An internal error (a bug)
            # is in the status already; the resync tries again.
            self.retry(*key, RETRY_AFTER)

    def retry(self, namespace: str, name: str, delay: float) -> None:
        """Reconcile again in ``delay`` seconds."""
        timer = threading.Timer(delay, self.enqueue, (namespace, name), {"trigger": "retry"})
        timer.daemon = True
        timer.start()

    def forget(self, namespace: str, name: str) -> None:
        """A ModelService is gone: drop what was kept about it (its children go by their
        ownerReferences, and their own deletion events drop theirs)."""
        key = (namespace, name)
        with self._guard:
            self._dirty.discard(key)
            lock = self._locks.get(key)
            if lock is not None and not lock.locked():
                del self._locks[key]
        self._reported.pop(key, None)

    def shutdown(self) -> None:
        """Stop the reconcile workers (those running finish; the queued are dropped)."""
        with self._guard:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def child_changed(self, obj: Mapping[str, Any], event_type: str | None) -> bool:
        """Whether a watch event of a child (or the answer to an apply of it) carries
        anything its owner's reconcile would act on (see :func:`signature`). A deletion
        always does, and the child's bookkeeping goes with it."""
        uid = str((obj.get("metadata") or {}).get("uid") or "")
        with self._guard:
            if event_type == "DELETED":
                self._seen.pop(uid, None)
                self.accepted.pop(uid, None)
                return True
            sig = signature(obj)
            if self._seen.get(uid) == sig:
                return False
            self._seen[uid] = sig
            return True

    # ------------------------------------------------------------------ the reconcile

    def _reconcile(self, parent: Mapping[str, Any], trigger: str) -> Result:
        started = time.perf_counter()
        before = self.cluster.thread_requests
        result = Result()
        meta = parent["metadata"]
        key = (str(meta["namespace"]), str(meta["name"]))
        try:
            self._do(parent, trigger, result)
        except ClusterError as err:
            result.error = err.describe()
        except Exception as exc:  # a bug: this ModelService's condition, never the others'
            result.internal = True
            result.error = (
                f"internal error while reconciling (a bug in modelservice, please report it): "
                f"{type(exc).__name__}: {exc}"
            )
            self._report(key, result.error)
            self._internal_status(parent, result)
        else:
            self._reported.pop(key, None)
        result.requests = self.cluster.thread_requests - before
        result.seconds = time.perf_counter() - started
        with self._stats_lock:
            self.stats.add(trigger, result)
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

    def _report(self, key: tuple[str, str], message: str) -> None:
        """Log an internal error: with its traceback the first time, then one line."""
        where = f"{key[0]}/{key[1]}"
        if self._reported.get(key) == message:
            logger.warning("%s: %s (again)", where, message)
            return
        self._reported[key] = message
        logger.exception("%s: %s", where, message)

    def _internal_status(self, parent: Mapping[str, Any], result: Result) -> None:
        """Say in the status that reconciling failed on our side (best effort)."""
        try:
            previous = list((parent.get("status") or {}).get("owned") or [])
            status = compute_status(
                parent,
                owned=previous,
                live={},
                model_name=None,
                apply_error=result.error,
                apply_reason="InternalError",
            )
            self._write_status(parent, status, result)
        except Exception:
            logger.debug("could not write the status after an internal error", exc_info=True)

    def _do(self, parent: Mapping[str, Any], trigger: str, result: Result) -> None:
        meta = parent["metadata"]
        ns, name = str(meta["namespace"]), str(meta["name"])
        if meta.get("deletionTimestamp"):
            result.skipped = "being deleted"
            return
        desired = desired_children(
            parent, cluster_scoped=self._cluster_scoped(parent), policy=self.policy
        )
        owner = ModelServiceOwner(parent)
        engine = Engine(self.cluster, owner, ns)
        children = self.view.children(ns, name)
        live: dict[Key, Obj] = {key_of(o, ns): o for o in children}
        previous = list((parent.get("status") or {}).get("owned") or [])
        for obj in desired.objects:
            if not self.view.watches(obj["apiVersion"], obj["kind"]):
                got = engine.live(obj)
                if got is not None:
                    live[key_of(got, ns)] = got
        owned = [o for o in children if owned_by(o, parent)]
        want = {key_of(o) for o in desired.objects}
        if desired.error is None:
            for ref in previous:
                rkey = ref_key(ref, ns)
                if rkey in want or self.view.watches(ref["apiVersion"], ref["kind"]):
                    continue
                got = self.cluster.get(ref["apiVersion"], ref["kind"], ref["name"], ns)
                if got is not None and owned_by(got, parent):
                    live[rkey] = got
                    owned.append(got)

        if desired.error is not None:
            result.invalid = str(desired.error)
            refs = previous or owned_refs(owned)
            status = compute_status(
                parent,
                owned=refs,
                live=live,
                model_name=None,
                invalid=result.invalid,
                invalid_reason=desired.reason,
            )
            self._write_status(parent, status, result)
            return

        steps = plan(parent, desired.objects, live, owned, accepted=self.accepted)
        # An object missing from the watch caches may still exist without this
        # ModelService's label (the caches hold labelled objects only): read it before
        # creating, so that nothing is taken over that the author could not change.
        missing = [
            obj
            for obj, reason in steps.apply
            if reason == "missing" and self.view.watches(obj["apiVersion"], obj["kind"])
        ]
        # independent reads: side by side, on this reconcile's own threads' count
        for obj, got in zip(missing, self.cluster.each(engine.live, missing), strict=True):
            if got is None:
                continue
            why_not = owner.conflict(got)
            if why_not is not None:
                steps.conflicts.append(f"{key_of(obj)} exists and cannot be adopted: {why_not}")
            else:
                live[key_of(obj)] = got
        if steps.conflicts:
            # All or nothing: with one object not ours (a ServiceAccount, say), creating the
            # rest could run pods under someone else's identity.
            steps.apply, steps.delete = [], []
        apply_error: str | None = None
        if (
            steps.apply
            and trigger not in FRESH_TRIGGERS
            and any(r == "missing" for _, r in steps.apply)
        ):
            # About to create for a child's event (or a resync): make sure the ModelService
            # still exists (a child's deletion event can arrive just after its owner was
            # deleted). A ModelService's own event carries it as the API server just sent it.
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
                applied = engine.apply(obj, force_conflicts=True)
            except ClusterError as err:
                apply_error = err.describe()
                break
            result.applied.append(f"{what} ({reason})")
            live[key_of(obj)] = applied
            self.child_changed(applied, "APPLIED")  # its own watch event is no news
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
                    outcome = engine.delete(obj, live=obj)
                except ClusterError as err:
                    apply_error = err.describe()
                    break
                if outcome in ("deleted", "gone"):
                    live.pop(key_of(obj), None)
                if outcome == "deleted":
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
            key = ref_key(ref, namespace)
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
        except NotFound:
            result.skipped = "ModelService is gone"
            return
        result.status_patched = True
        for type_, reason, message in transitions(old.get("conditions"), status["conditions"]):
            try:
                self.cluster.post_event(parent, type_, reason, message, self.identity)
            except (ClusterError, AlreadyExists) as err:
                logger.debug("event %s not posted: %s", reason, err)
                continue
            result.events.append(reason)

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


def transitions(old: Any, new: Any) -> list[tuple[str, str, str]]:
    """The Events a status change deserves, as (type, reason, message): ``Valid``,
    ``Ready`` and ``Degraded`` changing status (or reason), and a new apply error while
    ``Degraded`` stays true. An initial ``Ready=False``/``Degraded=False`` is not news."""
    before = {c.get("type"): c for c in old or [] if isinstance(c, Mapping)}
    after = {c.get("type"): c for c in new or [] if isinstance(c, Mapping)}
    out = []
    valid = after.get("Valid") or {}
    for type_ in ("Valid", "Ready", "Degraded"):
        cond = after.get(type_)
        if cond is None:
            continue
        prev = before.get(type_)
        status, reason, message = cond.get("status"), cond.get("reason"), cond.get("message")
        if prev is None:
            if type_ in ("Ready", "Degraded") and status == "False":
                continue
        elif prev.get("status") == status and prev.get("reason") == reason:
            repeated_failure = type_ == "Degraded" and status == "True"
            if not (repeated_failure and prev.get("message") != message):
                continue
        if type_ != "Valid" and valid.get("status") == "False" and reason == valid.get("reason"):
            continue  # the Valid event says it
        bad = (type_ == "Degraded") == (status == "True")
        if type_ == "Degraded" and status == "False":
            reason = "Recovered"
        out.append(("Warning" if bad else "Normal", str(reason), f"{type_}={status}: {message}"))
    return out


#: Triggers that carry the ModelService as the API server just sent it (its own events).
FRESH_TRIGGERS = ("handler", "create", "update", "resume")
#: Seconds before a ModelService whose reconcile the cluster refused is tried again.
RETRY_AFTER = 15.0


def needs_reconcile(parent: Mapping[str, Any]) -> bool:
    """Whether a changed ModelService needs a reconcile: its spec changed since the status
    was last written (``generation`` ahead of ``status.observedGeneration``), or it has no
    status yet. A change of its status alone (the operator's own write) does not; a change
    of its metadata alone waits for the resync."""
    meta = parent.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        return False
    status = parent.get("status") or {}
    return bool(status.get("observedGeneration") != meta.get("generation"))


def signature(obj: Mapping[str, Any]) -> tuple[Any, ...]:
    """What of a child can make its owner's reconcile do something: its spec (generation),
    its marks (labels, annotations, owner), being deleted, and what the status reports of
    it (readiness, replicas). A status write that changes none of these (one of the several
    a rollout makes) needs no reconcile; the periodic resync still looks at everything."""
    meta = obj.get("metadata") or {}
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ready = readiness(dict(obj), str(obj.get("kind")), str(meta.get("name")))
    return (
        meta.get("generation"),
        tuple(sorted((meta.get("labels") or {}).items())),
        tuple(sorted((meta.get("annotations") or {}).items())),
        tuple(str(r.get("uid")) for r in meta.get("ownerReferences") or []),
        bool(meta.get("deletionTimestamp")),
        ready.ready,
        ready.progress,
        spec.get("replicas") if isinstance(spec, Mapping) else None,
        status.get("readyReplicas") if isinstance(status, Mapping) else None,
    )


def owner_of(obj: Mapping[str, Any]) -> str | None:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    value = labels.get(OWNER_LABEL)
    return str(value) if value else None
