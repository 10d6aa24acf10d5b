"""An in-memory cluster for unit tests of the lifecycle and the apply engine.

It implements :class:`~modelservice.cluster.client.Api` the way the API server behaves in
the respects the lifecycle depends on: kinds are served or not (:class:`KindNotServed`),
objects get a uid and a resourceVersion, create refuses an existing object
(:class:`AlreadyExists`), a replace carrying a stale resourceVersion and a delete whose uid
precondition fails raise :class:`Conflict`, objects need their namespace to exist, and
every request is counted. It does not merge fields as server-side apply does (an apply
replaces the object's content) and runs no controllers; ``ready`` makes every applied
workload report itself ready, and ``reject`` refuses chosen objects as admission would.
As Helm's ``kubefake``: a stand-in written for tests, kept next to the code it stands in for.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from modelservice.cluster.client import ResourceType
from modelservice.cluster.errors import (
    AlreadyExists,
    Conflict,
    Invalid,
    KindNotServed,
    NamespaceNotFound,
    NotFound,
)
from modelservice.kinds import KINDS, Identity, identity

Obj = dict[str, Any]


class MemoryCluster:
    """Objects in a dict, keyed by identity."""

    def __init__(
        self,
        namespace: str = "default",
        *,
        ready: bool = True,
        reject: Callable[[Obj], str | None] | None = None,
        served: tuple[tuple[str, str], ...] | None = None,
    ) -> None:
        self.namespace = namespace
        self.requests = 0
        self.ready = ready
        self.reject = reject
        self.objects: dict[Identity, Obj] = {}
        self.log: list[str] = []
        self._uids = itertools.count(1)
        self._versions = itertools.count(1)
        kinds = [k for k in KINDS if served is None or (k.api_version, k.kind) in served]
        self.types = {
            (k.api_version, k.kind): ResourceType(k.api_version, k.kind, k.plural, k.namespaced)
            for k in kinds
        }
        self.namespaces: set[str] = {namespace}

    # ------------------------------------------------------------------ helpers

    def _count(self, what: str) -> None:
        self.requests += 1
        self.log.append(what)

    def resource_type(self, api_version: str, kind: str) -> ResourceType:
        rtype = self.types.get((api_version, kind))
        if rtype is None:
            raise KindNotServed(api_version, kind, "install the CRD that defines it")
        return rtype

    def _key(self, api_version: str, kind: str, name: str, namespace: str | None) -> Identity:
        rtype = self.resource_type(api_version, kind)
        obj = {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}}
        return identity(obj, namespace or self.namespace, namespaced=rtype.namespaced)

    def _obj_key(self, obj: Mapping[str, Any]) -> Identity:
        meta = obj.get("metadata") or {}
        return self._key(
            str(obj["apiVersion"]), str(obj["kind"]), str(meta["name"]), meta.get("namespace")
        )

    def _stamp(self, obj: Obj, previous: Obj | None) -> Obj:
        meta = obj.setdefault("metadata", {})
        old = (previous or {}).get("metadata") or {}
        meta["uid"] = old.get("uid") or f"uid-{next(self._uids)}"
        meta["resourceVersion"] = str(next(self._versions))
        meta["generation"] = int(old.get("generation") or 0) + 1
        if self.ready and obj.get("kind") in ("Deployment", "StatefulSet"):
            n = (obj.get("spec") or {}).get("replicas", 1)
            obj["status"] = {
                "observedGeneration": meta["generation"],
                "replicas": n,
                "readyReplicas": n,
                "updatedReplicas": n,
                "availableReplicas": n,
            }
        return obj

    def _check_namespace(self, key: Identity) -> None:
        if key.namespace and key.namespace not in self.namespaces:
            raise NamespaceNotFound(key.namespace)

    # ------------------------------------------------------------------ the Api

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> Obj | None:
        self._count(f"get {kind}/{name}")
        if kind == "Namespace":
            return (
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
                if name in self.namespaces
                else None
            )
        found = self.objects.get(self._key(api_version, kind, name, namespace))
        return copy.deepcopy(found) if found is not None else None

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        labels: dict[str, str] | None = None,
        all_namespaces: bool = False,
    ) -> list[Obj]:
        self._count(f"list {kind}")
        rtype = self.resource_type(api_version, kind)
        out = []
        for key, obj in self.objects.items():
            if key.kind != kind or key.group != rtype.group:
                continue
            if (
                rtype.namespaced
                and not all_namespaces
                and key.namespace != (namespace or self.namespace)
            ):
                continue
            have = (obj.get("metadata") or {}).get("labels") or {}
            if all(have.get(k) == v for k, v in (labels or {}).items()):
                out.append(copy.deepcopy(obj))
        return out

    def apply(self, obj: Obj, *, force: bool = True, dry_run: bool = False) -> Obj:
        self._count(f"apply {obj['kind']}/{obj['metadata']['name']}")
        key = self._obj_key(obj)
        self._check_namespace(key)
        why = self.reject(obj) if self.reject is not None else None
        if why:
            raise Invalid(f"the API server rejected {obj['kind']}/{obj['metadata']['name']}: {why}")
        previous = self.objects.get(key)
        new = copy.deepcopy(obj)
        if key.namespace:
            new["metadata"]["namespace"] = key.namespace
        new = self._stamp(new, previous)
        if not dry_run:
            self.objects[key] = new
        return copy.deepcopy(new)

    def create(self, obj: Obj) -> Obj:
        self._count(f"create {obj['kind']}/{obj['metadata']['name']}")
        if obj["kind"] == "Namespace":
            self.namespaces.add(obj["metadata"]["name"])
            return copy.deepcopy(obj)
        key = self._obj_key(obj)
        self._check_namespace(key)
        if key in self.objects:
            raise AlreadyExists(
                f"cannot create {obj['kind']}/{obj['metadata']['name']}: already exists"
            )
        new = self._stamp(copy.deepcopy(obj), None)
        self.objects[key] = new
        return copy.deepcopy(new)

    def replace(self, obj: Obj) -> Obj:
        self._count(f"update {obj['kind']}/{obj['metadata']['name']}")
        key = self._obj_key(obj)
        previous = self.objects.get(key)
        if previous is None:
            raise NotFound(f"cannot update {obj['kind']}/{obj['metadata']['name']}: not found")
        want = (obj.get("metadata") or {}).get("resourceVersion")
        if want and want != previous["metadata"]["resourceVersion"]:
            raise Conflict(
                f"cannot update {obj['kind']}/{obj['metadata']['name']}: the object has been "
                "modified; please apply your changes to the latest version and try again"
            )
        new = self._stamp(copy.deepcopy(obj), previous)
        self.objects[key] = new
        return copy.deepcopy(new)

    def delete(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None = None,
        *,
        uid: str | None = None,
        dry_run: bool = False,
    ) -> Obj | None:
        """Deletes at once (no finalizers here): the answer is a ``Status``."""
        self._count(f"delete {kind}/{name}")
        key = self._key(api_version, kind, name, namespace)
        found = self.objects.get(key)
        if found is None:
            return None
        if uid and found["metadata"]["uid"] != uid:
            raise Conflict(f"cannot delete {kind}/{name}: Precondition failed: UID mismatch")
        if not dry_run:
            del self.objects[key]
        return {"apiVersion": "v1", "kind": "Status", "status": "Success"}

    def watch(
        self,
        api_version: str,
        kind: str,
        *,
        name: str,
        namespace: str | None,
        resource_version: str,
        timeout: float,
    ) -> _Events:
        """The object's change since ``resource_version`` as one event (nothing changes
        here between calls but what the test does), then the end of the stream."""
        self._count(f"watch {kind}/{name}")
        found = self.objects.get(self._key(api_version, kind, name, namespace))
        if found is None:
            return _Events([("DELETED", {"metadata": {"name": name}})])
        if int(found["metadata"]["resourceVersion"]) > int(resource_version or 0):
            return _Events([("MODIFIED", copy.deepcopy(found))])
        return _Events([])

    def ensure_namespace(self, name: str, *, create: bool) -> None:
        self._count(f"get Namespace/{name}")
        if name in self.namespaces:
            return
        if not create:
            raise NamespaceNotFound(name)
        self.namespaces.add(name)

    # ------------------------------------------------------------------ for tests

    def put(self, obj: Obj) -> Obj:
        """Store an object as someone else would have created it (not counted)."""
        key = self._obj_key(obj)
        new = copy.deepcopy(obj)
        if key.namespace:
            new["metadata"]["namespace"] = key.namespace
        self.objects[key] = self._stamp(new, self.objects.get(key))
        return copy.deepcopy(self.objects[key])

    def find(self, kind: str, name: str, namespace: str | None = None) -> Obj | None:
        """The stored object of a kind and name (any group), or None (not counted)."""
        for key, obj in self.objects.items():
            if (
                key.kind == kind
                and key.name == name
                and key.namespace
                in (
                    namespace or self.namespace,
                    "",
                )
            ):
                return obj
        return None


class _Events:
    """A finished watch stream."""

    def __init__(self, events: list[tuple[str, Obj]]) -> None:
        self.events = events

    def __iter__(self) -> Iterator[tuple[str, Obj]]:
        return iter(self.events)

    def close(self) -> None:
        self.events = []
