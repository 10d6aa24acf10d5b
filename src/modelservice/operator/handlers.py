"""The kopf side of the operator: handlers, watch caches, the periodic resync, and login.

Every handler ends in :meth:`Reconciler.reconcile` (or :meth:`Reconciler.kick`):

- ``@kopf.on.event`` on ModelServices: reconcile one that is listed at start-up
  (``resume``), added (``create``), or whose spec changed (its ``generation`` is not the
  one the status last observed: ``update``), on the operator's reconcile workers; a cluster
  refusal is retried after :data:`~.reconciler.RETRY_AFTER` seconds. Raw events rather
  than kopf's create/update handlers: those write kopf's own annotations onto every
  ModelService (a request, and one more event, per change) and, when the API server is
  slow to send that write back, run again;
- ``@kopf.index`` on ModelServices and on every kind the renderer produces (only objects
  with the owner label): the operator's watch caches, which the reconcile reads instead of
  the API server. They hold slim copies (no ``managedFields``, keys shared): the caches
  are most of the operator's memory;
- ``@kopf.on.event`` on those kinds: an owned object changed in a way its owner's
  reconcile acts on (its spec, marks or readiness; not each of a rollout's status writes)
  or disappeared: reconcile its owner at once, which repairs drift and refreshes the
  status;
- a resync loop every ``resync`` seconds reconciles every ModelService (read-only when
  nothing changed), and only while this operator is the active peer.

No timers or daemons are used: kopf would put a finalizer on every ModelService for them,
and deleting a ModelService must not need a running operator (its children go by their
ownerReferences).
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import os
import random
import socket
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import kopf

from modelservice.operator.crd import GROUP, OWNER_LABEL, PLURAL, VERSION
from modelservice.operator.desired import Obj, group_of
from modelservice.operator.reconciler import (
    WATCHED,
    WATCHED_KINDS,
    OperatorCluster,
    Reconciler,
    needs_reconcile,
)

logger = logging.getLogger(__name__)

PARENTS_INDEX = "ms_parents"
PEERING_GROUP = "kopf.dev"
PEERING_VERSION = "v1"
PEERING_LIFETIME = 20


def _child_index_id(api_version: str, plural: str) -> str:
    group = group_of(api_version).replace(".", "_").replace("-", "_") or "core"
    return f"ms_children_{group}_{plural}"


def _as_dict(body: Any) -> Obj:
    """A slim, private copy of a watched body for the caches: ``managedFields`` left out
    (half of a Deployment's size, and nothing a reconcile reads), dictionary keys interned
    (shared by every cached object), the rest copied (kopf's body must not be shared). The
    caches are most of the operator's memory, and grow with the number of ModelServices."""
    out: Obj = _slim(body, 0)
    return out


def _slim(value: Any, depth: int) -> Any:
    if isinstance(value, Mapping):
        return {
            sys.intern(str(k)): _slim(v, depth + 1)
            for k, v in value.items()
            if not (depth == 1 and k == "managedFields")
        }
    if isinstance(value, list):
        return [_slim(v, depth + 1) for v in value]
    return value


class KopfView:
    """The live view backed by kopf indexes (filled as the watches list and stream)."""

    def __init__(self) -> None:
        self.indices: dict[str, Any] = {}

    def bind(self, kwargs: Mapping[str, Any]) -> None:
        for key, value in kwargs.items():
            if key == PARENTS_INDEX or key.startswith("ms_children_"):
                self.indices[key] = value

    def parent(self, namespace: str, name: str) -> Obj | None:
        index = self.indices.get(PARENTS_INDEX)
        store = index.get((namespace, name)) if index is not None else None
        if not store:
            return None
        found: Obj | None = None
        for body in store:
            found = body
        return found

    def parents(self) -> list[Obj]:
        index = self.indices.get(PARENTS_INDEX)
        if index is None:
            return []
        return [body for store in list(index.values()) for body in list(store)]

    def children(self, namespace: str, owner: str) -> list[Obj]:
        out: list[Obj] = []
        for key, index in list(self.indices.items()):
            if key == PARENTS_INDEX:
                continue
            store = index.get((namespace, owner))
            if store:
                out.extend(list(store))
        return out

    def watches(self, api_version: str, kind: str) -> bool:
        return (group_of(api_version), kind) in WATCHED


@dataclass
class OperatorState:
    """Everything the handlers share."""

    cluster: OperatorCluster
    view: KopfView
    reconciler: Reconciler
    resync: float = 60.0
    workers: int = 8
    standalone: bool = True
    peering: str = "modelservice"
    priority: int = 0
    identity: str = ""
    clusterwide: bool = False
    namespaces: list[str] = field(default_factory=list)
    resync_task: asyncio.Task[None] | None = None

    # -------------------------------------------------------------- peering

    def is_active(self) -> bool:
        """kopf's own rule: no live peer with a higher or the same priority."""
        if self.standalone:
            return True
        bodies = []
        if self.clusterwide:
            bodies.append(
                self.cluster.get(
                    f"{PEERING_GROUP}/{PEERING_VERSION}", "ClusterKopfPeering", self.peering
                )
            )
        else:
            for ns in self.namespaces:
                bodies.append(
                    self.cluster.get(
                        f"{PEERING_GROUP}/{PEERING_VERSION}", "KopfPeering", self.peering, ns
                    )
                )
        now = datetime.datetime.now(datetime.UTC)
        for body in bodies:
            for ident, info in ((body or {}).get("status") or {}).items():
                if ident == self.identity or not isinstance(info, dict):
                    continue
                try:
                    seen = datetime.datetime.fromisoformat(str(info.get("lastseen")))
                except ValueError:
                    continue
                if seen.tzinfo is None:
                    seen = seen.replace(tzinfo=datetime.UTC)
                alive = seen + datetime.timedelta(seconds=int(info.get("lifetime", 60))) > now
                if alive and int(info.get("priority", 0)) >= self.priority:
                    return False
        return True


def build_registry(state: OperatorState) -> kopf.OperatorRegistry:
    """A kopf registry with the operator's handlers, bound to ``state``."""
    registry = kopf.OperatorRegistry()
    view, reconciler = state.view, state.reconciler

    @kopf.on.login(id="login", registry=registry)
    def login(**_: Any) -> kopf.ConnectionInfo:
        return connection_info(state.cluster)

    @kopf.on.startup(id="startup", registry=registry)
    async def startup(settings: kopf.OperatorSettings, **kwargs: Any) -> None:
        view.bind(kwargs)
        configure(settings, state)
        state.resync_task = asyncio.create_task(_resync_loop(state), name="modelservice resync")

    @kopf.on.cleanup(id="cleanup", registry=registry)
    async def cleanup(**_: Any) -> None:
        if state.resync_task is not None:
            state.resync_task.cancel()
        reconciler.shutdown()
        reconciler.write_stats()

    @kopf.index(GROUP, VERSION, PLURAL, id=PARENTS_INDEX, registry=registry)
    async def parents(namespace: str | None, name: str, body: kopf.Body, **_: Any) -> Any:
        return {(namespace, name): _as_dict(body)}

    # Indexing and child events run on the event loop (async: no thread hop, nothing that
    # blocks): kopf then lets go of each event's body at once, instead of holding thousands
    # of them while their handlers wait for a worker thread during a burst.
    async def child_index(
        namespace: str | None, labels: kopf.Labels, body: kopf.Body, **_: Any
    ) -> Any:
        return {(namespace, labels.get(OWNER_LABEL)): _as_dict(body)}

    async def child_event(
        event: Mapping[str, Any], namespace: str | None, labels: kopf.Labels, **kwargs: Any
    ) -> None:
        view.bind(kwargs)
        obj = event.get("object") or {}
        type_ = event.get("type")
        if not reconciler.child_changed(obj, type_):
            return  # nothing its owner's reconcile would act on (one of a rollout's writes)
        if type_ is None:
            return  # the initial listing; resume handlers cover it
        owner = labels.get(OWNER_LABEL)
        if owner and namespace:
            # queued for the reconcile workers; several events coalesce into one reconcile
            reconciler.enqueue(namespace, owner, trigger=f"event:{obj.get('kind', 'object')}")

    present = {OWNER_LABEL: kopf.PRESENT}
    for api_version, _kind, plural in WATCHED_KINDS:
        group, _, version = api_version.rpartition("/")
        ident = _child_index_id(api_version, plural)
        kopf.index(group, version, plural, id=ident, labels=present, registry=registry)(child_index)
        kopf.on.event(
            group, version, plural, id=f"event_{ident}", labels=present, registry=registry
        )(child_event)

    @kopf.on.event(GROUP, VERSION, PLURAL, id="reconcile", registry=registry)
    async def reconcile(event: Mapping[str, Any], body: kopf.Body, **kwargs: Any) -> None:
        view.bind(kwargs)
        type_ = event.get("type")
        meta = body.get("metadata") or {}
        namespace, name = str(meta.get("namespace")), str(meta.get("name"))
        if type_ == "DELETED":
            reconciler.forget(namespace, name)
            return  # its children go by their ownerReferences
        if type_ == "MODIFIED" and not needs_reconcile(body):
            return  # the operator's own status write, or metadata only
        trigger = {None: "resume", "ADDED": "create"}.get(type_, "update")
        reconciler.enqueue(namespace, name, trigger=trigger)

    return registry


def configure(settings: kopf.OperatorSettings, state: OperatorState) -> None:
    prefix = "operator.llm-d.ai"
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix=prefix)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=prefix, key="last-handled-configuration"
    )
    settings.persistence.finalizer = f"{prefix}/finalizer"
    settings.posting.level = logging.WARNING
    settings.execution.max_workers = state.workers
    settings.peering.stealth = True
    # A peer that died without saying goodbye (SIGKILL) blocks the others until its entry
    # expires; keep that short (keep-alives go out every 10-15 s).
    settings.peering.lifetime = PEERING_LIFETIME
    settings.watching.server_timeout = 600
    settings.networking.error_backoffs = [1, 2, 5, 10]
    # Watching named namespaces needs no cluster-wide rights (no namespace or CRD
    # observation): the namespace-scoped install grants none.
    settings.scanning.disabled = not state.clusterwide


async def _resync_loop(state: OperatorState) -> None:
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="resync")
    try:
        while True:
            await asyncio.sleep(state.resync * random.uniform(0.9, 1.1))
            try:
                await loop.run_in_executor(pool, resync_all, state)
            except Exception:
                logger.exception("resync failed; retrying at the next interval")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def resync_all(state: OperatorState) -> int:
    """Reconcile every known ModelService once (when this operator is the active peer).

    Each ModelService is reconciled on its own: whatever one of them raises is logged and
    the resync goes on with the next (a reconcile turns its own errors into conditions;
    this is the backstop)."""
    if not state.is_active():
        logger.debug("resync skipped: another operator is active")
        return 0
    count = 0
    for body in state.view.parents():
        meta = body.get("metadata") or {}
        try:
            state.reconciler.kick(str(meta["namespace"]), str(meta["name"]), trigger="resync")
        except Exception:
            logger.exception("resync of %s/%s failed", meta.get("namespace"), meta.get("name"))
        count += 1
    state.reconciler.write_stats()
    return count


def connection_info(cluster: OperatorCluster) -> kopf.ConnectionInfo:
    """kopf's credentials from the same kubeconfig context (or in-cluster service account)
    the operator's own client uses, so both talk to the same cluster as the same user."""
    config: Any = cluster._config
    c, u = config.cluster, config.user

    def path(value: str | None) -> str | None:
        return str(config.abs_file(value)) if value else None

    token = u.token
    if getattr(u, "token_file", None):  # re-read: projected tokens rotate
        with open(str(path(u.token_file)), encoding="utf-8") as f:
            token = f.read().strip()
    if getattr(u, "exec", None) is not None and not token:
        raise kopf.LoginError(
            "the kubeconfig user authenticates with an exec plugin, which the operator "
            "does not run; use a token or client certificate (or run it in the cluster)"
        )
    return kopf.ConnectionInfo(
        server=c.server,
        ca_path=path(c.certificate_auth),
        ca_data=c.certificate_auth_data,
        insecure=c.insecure or None,
        username=u.username,
        password=u.password,
        token=token,
        certificate_path=path(u.client_cert),
        certificate_data=u.client_cert_data,
        private_key_path=path(u.client_key),
        private_key_data=u.client_key_data,
        default_namespace=cluster.namespace,
    )


def own_identity() -> str:
    """Unique among live operators (host and pid), and the same again when a container
    restarts in its pod (hostname = pod name, pid 1), so it does not wait for itself."""
    return f"{socket.gethostname()}/{os.getpid()}"
