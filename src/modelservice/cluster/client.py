"""The connection to a cluster: lightkube client, API discovery, and plain-words errors.

Every request the tool makes goes through :class:`Cluster`, which turns the API server's
answers into :class:`ClusterError` s a user can act on (which CRD to install, which RBAC
verb is missing, who owns a conflicting field) and counts requests, so that budgets like
"requests per install" can be measured rather than guessed.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from modelservice.cluster.discovery import ResourceType
from modelservice.cluster.errors import (
    AlreadyExists,
    ClusterError,
    Conflict,
    ConflictError,
    FieldConflict,
    Forbidden,
    Invalid,
    KindNotServed,
    NamespaceNotFound,
    NotFound,
    Unreachable,
)
from modelservice.errors import os_reason

if TYPE_CHECKING:
    from modelservice.cluster.discovery import Discovery
from modelservice.naming import POOL_ALPHA_GROUP, POOL_V1_GROUP, POOL_V1ALPHA2

__all__ = [
    "FIELD_MANAGER",
    "Api",
    "Cluster",
    "ClusterError",
    "ConflictError",
    "NotFoundError",
    "ResourceType",
    "Watch",
    "each",
    "terminating",
]

#: Helm 4 applies with this field manager; sharing it lets a team switch tools without
#: server-side apply conflicts.
FIELD_MANAGER = "helm"

#: What to tell a user whose cluster lacks the CRD a release needs.
_CRD_HINTS = {
    POOL_ALPHA_GROUP: "install the Gateway API Inference Extension CRDs (v0.4), "
    "or set routing.inferencePool.create=false",
    POOL_V1_GROUP: "install the Gateway API Inference Extension CRDs (v1), "
    f"or set routing.inferencePool.apiVersion={POOL_V1ALPHA2}",
    "gateway.networking.k8s.io": "install the Gateway API CRDs (v1.3), "
    "or set routing.httpRoute.create=false",
    "leaderworkerset.x-k8s.io": "install LeaderWorkerSet (sigs.k8s.io/lws), or set multinode=false",
    "monitoring.coreos.com": "install the prometheus-operator CRDs, "
    "or set <role>.monitoring.podmonitor.enabled=false",
}
_CRD_OPTION = {
    ("inference.networking.x-k8s.io", "InferenceModel"): "routing.inferenceModel.create=false",
}

#: The first API's name for a missing object; the same class.
NotFoundError = NotFound

Obj = dict[str, Any]


def user_agent() -> str:
    """``modelservice/<version>``: how the API server's audit log (and the benchmarks that
    read it) tell this tool's requests from others'."""
    from modelservice import __version__

    return f"modelservice/{__version__}"


class Api(Protocol):
    """What the lifecycle, the apply engine and the record storage need from a cluster:
    :class:`Cluster` over the network, :class:`~modelservice.cluster.memory.MemoryCluster`
    in unit tests. Errors are the types of :mod:`modelservice.cluster.errors`."""

    namespace: str
    requests: int

    def resource_type(self, api_version: str, kind: str) -> ResourceType: ...

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None: ...

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        labels: dict[str, str] | None = None,
        all_namespaces: bool = False,
    ) -> list[dict[str, Any]]: ...

    def apply(
        self, obj: dict[str, Any], *, force: bool = True, dry_run: bool = False
    ) -> dict[str, Any]: ...

    def create(self, obj: dict[str, Any]) -> dict[str, Any]: ...

    def replace(self, obj: dict[str, Any]) -> dict[str, Any]: ...

    def delete(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None = None,
        *,
        uid: str | None = None,
        dry_run: bool = False,
    ) -> Obj | None: ...

    def ensure_namespace(self, name: str, *, create: bool) -> None: ...

    def watch(
        self,
        api_version: str,
        kind: str,
        *,
        name: str,
        namespace: str | None,
        resource_version: str,
        timeout: float,
    ) -> Watch: ...


class Watch(Protocol):
    """A stream of ``(type, object)`` watch events that another thread may close."""

    def __iter__(self) -> Iterator[tuple[str, Obj]]: ...

    def close(self) -> None: ...


T = TypeVar("T")
R = TypeVar("R")

#: Requests kept in flight at once when they do not depend on each other.
PARALLEL = 8


def each(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``[fn(x) for x in items]`` with up to :data:`PARALLEL` calls in flight at once (the
    connection is thread-safe; each call waits mostly on the API server). Results keep the
    order of ``items``; the first exception raised is raised, after every call ended.
    Called from one of those calls, it runs them in turn (the workers are shared)."""
    if len(items) <= 1 or getattr(_in_pool, "active", False):
        return [fn(x) for x in items]
    from concurrent.futures import wait

    def run(item: T) -> R:
        _in_pool.active = True
        return fn(item)

    futures = [_shared_pool().submit(run, x) for x in items]
    wait(futures)
    return [f.result() for f in futures]


_in_pool = threading.local()
_pool: Any = None
_pool_lock = threading.Lock()


def _shared_pool() -> Any:
    """The worker threads of :func:`each`, started once per process (not per call)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(PARALLEL, thread_name_prefix="request")
        return _pool


def _group_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


class Cluster:
    """One cluster connection (a kubeconfig context) and a default namespace."""

    def __init__(
        self,
        *,
        kubeconfig: str | os.PathLike[str] | None = None,
        context: str | None = None,
        namespace: str | None = None,
        field_manager: str = FIELD_MANAGER,
        timeout: float = 30.0,
    ) -> None:
        import lightkube
        from lightkube.config.client_adapter import httpx  # type: ignore[attr-defined]
        from lightkube.config.kubeconfig import KubeConfig

        where = (
            f"kubeconfig {os.fspath(kubeconfig)!r}"
            if kubeconfig
            else "the kubeconfig ($KUBECONFIG or ~/.kube/config)"
        )
        try:
            if kubeconfig is not None:
                config = KubeConfig.from_file(Path(kubeconfig))
            else:
                config = KubeConfig.from_env()
            single = config.get(context_name=context)
        except FileNotFoundError:
            raise ClusterError(f"{where} not found") from None
        except Exception as exc:  # lightkube raises ConfigError, YAML and plain errors alike
            text = str(exc)
            if text.startswith("Configuration file") and text.endswith("not found"):
                raise ClusterError(f"{where} not found") from None
            if hasattr(exc, "problem_mark"):  # a YAML error: say where, not the parser's state
                mark = exc.problem_mark
                text = f"not valid YAML (line {mark.line + 1})" if mark else "not valid YAML"
            raise ClusterError(f"cannot use {where}: {text}") from None
        if single is None:
            raise ClusterError(f"context {context!r} not found in the kubeconfig")
        self.server = single.cluster.server
        self.namespace = namespace or single.namespace or "default"
        self.field_manager = field_manager
        self.client = lightkube.Client(
            single,
            namespace=self.namespace,
            field_manager=field_manager,
            timeout=httpx.Timeout(timeout),
        )
        # One connection pool for lightkube's typed calls and the raw requests below (a
        # second client would cost its own TLS set-up and handshake).
        self._http: Any = self.client._client._client
        self._http.headers["User-Agent"] = user_agent()
        self._config = single
        self._types: dict[tuple[str, str], ResourceType] = {}
        self._classes: dict[tuple[str, str], Any] = {}
        self._discovery: Discovery | None = None
        self._lock = threading.Lock()
        self._discovery_lock = threading.Lock()
        self.requests = 0
        """API requests made through this connection (watch streams count once)."""

    # ------------------------------------------------------------------ discovery

    @property
    def discovery(self) -> Discovery:
        """Which kinds the server serves (cached on disk between runs, like kubectl's)."""
        if self._discovery is None:
            from modelservice.cluster.discovery import Discovery

            self._discovery = Discovery(self.server, self._fetch)
        return self._discovery

    def _fetch(self, path: str, accept: str) -> tuple[int, Any]:
        """One discovery GET: (status, JSON body or None)."""
        self._count()
        try:
            resp = self._http.get(path, headers={"Accept": accept})
        except Exception as exc:
            raise self._unreachable(exc) from None
        if resp.status_code >= 400:
            if resp.status_code in (403, 404):
                return resp.status_code, None
            raise ClusterError(
                f"the API server answered {resp.status_code} to GET {path}: {resp.text[:300]}"
            )
        try:
            return resp.status_code, resp.json()
        except ValueError:
            return resp.status_code, None

    def _own_connection(self, httpx: Any) -> Any:
        """A new HTTP client to the same server as the same user, with the TLS settings
        (CA, client certificate) already loaded for the shared one."""
        pool = getattr(getattr(self._http, "_transport", None), "_pool", None)
        context = getattr(pool, "_ssl_context", None)
        if context is None:  # not where this httpx keeps it: build it again
            from lightkube.config.client_adapter import verify_cluster

            config: Any = self._config
            context = verify_cluster(config.cluster, config.user, config.abs_file)
        return httpx.Client(
            base_url=self._http.base_url,
            auth=self._http.auth,
            verify=context,
            headers=self._http.headers,
        )

    def _count(self) -> None:
        with self._lock:
            self.requests += 1

    def resource_type(self, api_version: str, kind: str) -> ResourceType:
        """How the cluster serves a kind; :class:`KindNotServed` when it does not."""
        key = (api_version, kind)
        known = self._types.get(key)
        if known is not None:
            return known
        with self._discovery_lock:
            rtype = self.discovery.lookup(api_version, kind)
        if rtype is None:
            group = _group_version(api_version)[0]
            hint = _CRD_HINTS.get(group, "install the CRD that defines it")
            option = _CRD_OPTION.get((group, kind))
            if option:
                hint = f"{hint.split(', or set')[0]}, or set {option}"
            raise KindNotServed(api_version, kind, hint)
        self._types[key] = rtype
        return rtype

    def _stale(self, api_version: str, kind: str) -> bool:
        """The server answered 404 for a kind's path: if the kind came from the discovery
        cache, ask again (a CRD removed or changed). Whether a retry may help."""
        with self._discovery_lock:
            if not self.discovery.stale(api_version, kind):
                return False
        self._types.pop((api_version, kind), None)
        self._classes.pop((api_version, kind), None)
        return True

    def resource_gone(self, api_version: str, kind: str) -> ClusterError:
        """The error for a kind the server does not serve (any more), as discovery says it."""
        try:
            self.resource_type(api_version, kind)
        except KindNotServed as err:
            return err
        return ClusterError(f"the API server does not serve {kind} ({api_version})")

    def resource_class(self, api_version: str, kind: str) -> Any:
        """A lightkube generic resource class: objects stay plain dicts end to end, so no
        field is lost to a client model older than the API server."""
        key = (api_version, kind)
        cls = self._classes.get(key)
        if cls is None:
            rtype = self.resource_type(api_version, kind)
            cls = self._classes[key] = _generic_class(rtype)
        return cls

    # ------------------------------------------------------------------ operations

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        from lightkube.core.exceptions import ApiError

        self._count()
        try:
            return fn(*args, **kwargs)
        except ApiError as exc:
            raise self._api_error(what, _status_of(exc.status)) from None
        except ClusterError:
            raise
        except Exception as exc:
            response = getattr(exc, "response", None)
            if response is not None and getattr(response, "status_code", 0) >= 400:
                # not a Status (a path the server does not serve answers plain text)
                status = {"code": response.status_code, "message": response.text[:300]}
                raise self._api_error(what, status) from None
            if _is_connection_error(exc):
                raise self._unreachable(exc) from None
            raise

    def _typed(self, api_version: str, kind: str, what: str, call: Any) -> Any:
        """``call(resource class)`` through :meth:`_call`; once more with fresh discovery
        when the server does not serve the kind where the cache said it did."""
        try:
            return self._call(what, call, self.resource_class(api_version, kind))
        except _KindGone:
            if not self._stale(api_version, kind):
                raise self.resource_gone(api_version, kind) from None
        try:
            return self._call(what, call, self.resource_class(api_version, kind))
        except _KindGone:
            raise self.resource_gone(api_version, kind) from None

    def apply(
        self, obj: dict[str, Any], *, force: bool = True, dry_run: bool = False
    ) -> dict[str, Any]:
        """Server-side apply one object with this connection's field manager."""

        def call(cls: Any) -> Any:
            client: Any = self.client
            return client.apply(
                cls(obj),
                namespace=self._ns(obj),
                force=force,
                dry_run=dry_run,
                field_manager=self.field_manager,
            )

        what = f"apply {obj['kind']}/{obj['metadata']['name']}"
        return _as_dict(self._typed(obj["apiVersion"], obj["kind"], what, call))

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        """The live object, or None if it does not exist."""

        def call(cls: Any) -> Any:
            ns = self._scope(api_version, kind, namespace)
            return self.client.get(cls, name, namespace=ns)

        try:
            return _as_dict(self._typed(api_version, kind, f"get {kind}/{name}", call))
        except NotFound:
            return None

    def list(
        self,
        api_version: str,
        kind: str,
        *,
        namespace: str | None = None,
        labels: dict[str, str] | None = None,
        all_namespaces: bool = False,
    ) -> list[dict[str, Any]]:
        def call(cls: Any) -> Any:
            ns: str | None = "*" if all_namespaces else (namespace or self.namespace)
            if not self.resource_type(api_version, kind).namespaced:
                ns = None
            selector: Any = labels
            return list(self.client.list(cls, namespace=ns, labels=selector))

        return [_as_dict(i) for i in self._typed(api_version, kind, f"list {kind}", call)]

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Create; :class:`AlreadyExists` when the object is there."""
        meta = obj["metadata"]
        what = f"create {obj['kind']}/{meta.get('name') or meta.get('generateName', '')}"

        def call(cls: Any) -> Any:
            return self.client.create(cls(obj), namespace=self._ns(obj))

        return _as_dict(self._typed(obj["apiVersion"], obj["kind"], what, call))

    def replace(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Replace; with ``metadata.resourceVersion`` set this is a compare-and-swap that
        raises :class:`Conflict` when the object changed since it was read."""
        what = f"update {obj['kind']}/{obj['metadata']['name']}"

        def call(cls: Any) -> Any:
            client: Any = self.client
            return client.replace(cls(obj), namespace=self._ns(obj))

        return _as_dict(self._typed(obj["apiVersion"], obj["kind"], what, call))

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
        """Delete in the background (dependents are garbage-collected); None if absent.

        With ``uid`` the API server deletes only that object (a precondition): one that was
        deleted and created again since it was read raises :class:`Conflict`. With
        ``dry_run`` it only checks the deletion. Returns the API server's answer: a
        ``Status`` when the object is gone, the object itself while it is still there
        (finalizers, a grace period), which :func:`terminating` tells apart."""
        body: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "DeleteOptions",
            "propagationPolicy": "Background",
        }
        if uid:
            body["preconditions"] = {"uid": uid}
        if dry_run:
            body["dryRun"] = ["All"]

        def call(_cls: Any) -> Any:
            rtype = self.resource_type(api_version, kind)
            path = self._path(rtype, self._scope(api_version, kind, namespace), name)
            return self._raw("DELETE", path, f"delete {kind}/{name}", body)

        try:
            answer: Obj = self._typed(api_version, kind, f"delete {kind}/{name}", call)
        except NotFound:
            return None
        return answer

    @staticmethod
    def _path(rtype: ResourceType, namespace: str | None, name: str = "") -> str:
        group, version = _group_version(rtype.api_version)
        base = f"/api/{version}" if not group else f"/apis/{group}/{version}"
        where = f"/namespaces/{namespace}" if namespace else ""
        return f"{base}{where}/{rtype.plural}" + (f"/{name}" if name else "")

    def watch(
        self,
        api_version: str,
        kind: str,
        *,
        name: str,
        namespace: str | None,
        resource_version: str,
        timeout: float,
    ) -> Watch:
        """Watch one object from ``resource_version`` on, for at most ``timeout`` seconds
        (the server ends the stream then). Counts as one request."""
        rtype = self.resource_type(api_version, kind)
        params = {
            "watch": "true",
            "fieldSelector": f"metadata.name={name}",
            "resourceVersion": resource_version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": str(max(1, int(timeout + 0.999))),
        }
        self._count()
        path = self._path(rtype, namespace if rtype.namespaced else None)
        return _Stream(self, path, params, f"watch {kind}/{name}", timeout)

    def _raw(self, method: str, path: str, what: str, body: Any = None) -> dict[str, Any]:
        """One request outside lightkube's typed calls (for DeleteOptions preconditions),
        counted by the caller (:meth:`_call`)."""
        import json

        try:
            resp = self._http.request(
                method,
                path,
                content=json.dumps(body) if body is not None else None,
                headers={"Content-Type": "application/json"},
            )
        except Exception as exc:
            raise self._unreachable(exc) from None
        try:
            answer: Any = resp.json()
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        if resp.status_code >= 400:
            status = {"code": resp.status_code, **answer}
            status.setdefault("message", resp.text[:300])
            raise self._api_error(what, status)
        result: dict[str, Any] = answer
        return result

    def ensure_namespace(self, name: str, *, create: bool) -> None:
        if self.get("v1", "Namespace", name) is not None:
            return
        if not create:
            raise NamespaceNotFound(name)
        self.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    def _scope(self, api_version: str, kind: str, namespace: str | None) -> str | None:
        """The namespace a request goes to: None for cluster-scoped kinds."""
        if not self.resource_type(api_version, kind).namespaced:
            return None
        return namespace or self.namespace

    def _ns(self, obj: dict[str, Any]) -> str | None:
        meta_ns = obj.get("metadata", {}).get("namespace")
        return self._scope(obj["apiVersion"], obj["kind"], str(meta_ns) if meta_ns else None)

    # ------------------------------------------------------------------ errors

    def _unreachable(self, exc: BaseException) -> ClusterError:
        return Unreachable(self.server, os_reason(exc))

    def _api_error(self, what: str, status: dict[str, Any]) -> ClusterError:
        """The typed error for an API server Status (decided by code and reason)."""
        code = int(status.get("code") or 0)
        message = str(status.get("message") or "")
        reason = str(status.get("reason") or "")
        details = status.get("details") or {}
        if code == 403:
            return Forbidden(what, message)
        if code == 404:
            if details.get("kind") == "namespaces" and details.get("name"):
                return NamespaceNotFound(str(details["name"]))
            if not details.get("name"):
                # No object named: the kind's path itself is not served (a CRD removed).
                return _KindGone(f"cannot {what}: {message}")
            return NotFound(f"cannot {what}: {message}")
        if code == 409 and reason == "AlreadyExists":
            return AlreadyExists(f"cannot {what}: {message}")
        if code == 409 and what.startswith("apply "):
            causes = details.get("causes") or []
            owners = "; ".join(
                f"{c.get('field')}: {c.get('message')}" for c in causes if c.get("message")
            )
            return FieldConflict(what, owners or message)
        if code == 409:
            return Conflict(f"cannot {what}: {message}")
        if code in (400, 422):
            return Invalid(f"the API server rejected {what.split(' ', 1)[-1]}: {message}")
        return ClusterError(f"cannot {what}: {message} (HTTP {code})")


class _KindGone(NotFound):
    """A 404 for a kind's path rather than for an object in it: discovery was stale."""


class _Stream:
    """One watch request's events, read line by line as the server sends them; :meth:`close`
    (from any thread) ends the stream."""

    def __init__(
        self, cluster: Cluster, path: str, params: dict[str, str], what: str, timeout: float
    ) -> None:
        self.cluster = cluster
        self.path = path
        self.params = params
        self.what = what
        self.timeout = timeout
        self._resp: Any = None
        self._http: Any = None
        self._closed = False
        self._reader: int | None = None
        """The thread reading the stream, while it does."""

    def __iter__(self) -> Iterator[tuple[str, Obj]]:
        import json

        from lightkube.config.client_adapter import httpx  # type: ignore[attr-defined]

        self._reader = threading.get_ident()
        try:
            # A connection of its own, so that ending the stream ends no other request.
            self._http = self.cluster._own_connection(httpx)
            request = self._http.build_request(
                "GET",
                self.path,
                params=self.params,
                timeout=httpx.Timeout(10.0, read=self.timeout + 10.0),
            )
            self._resp = self._http.send(request, stream=True)
            if self._closed:
                return
            if self._resp.status_code >= 400:
                self._resp.read()
                try:
                    answer = self._resp.json()
                except ValueError:
                    answer = {}
                status = {"code": self._resp.status_code, **(answer or {})}
                raise self.cluster._api_error(self.what, status)
            for line in self._resp.iter_lines():
                if line:
                    event = json.loads(line)
                    yield str(event.get("type")), dict(event.get("object") or {})
        except ClusterError:
            raise
        except Exception as exc:
            if self._closed:
                return
            if _is_connection_error(exc):
                raise self.cluster._unreachable(exc) from None
            raise
        finally:
            self._reader = None
            self.close()

    def close(self) -> None:
        """End the stream. From the thread that reads it, close the connection; from any
        other, only shut the socket down, which wakes the reader at once with an end of
        stream, and leave the close to the reader: a socket closed under a reading thread
        frees its descriptor number while the reader's TLS layer still holds it, and its
        next read takes bytes from whatever file or connection is opened next."""
        self._closed = True
        if self._reader is not None and self._reader != threading.get_ident():
            sock = _socket_of(self._resp)
            if sock is not None:
                import socket

                with contextlib.suppress(OSError):
                    # the plain socket's shutdown: SSLSocket's own drops its TLS state,
                    # which the reader is using
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)
            return  # the reader closes it; without a socket, the server's timeout ends it
        for part in (self._resp, self._http):
            if part is not None:
                with contextlib.suppress(Exception):
                    part.close()


def _socket_of(response: Any) -> Any:
    """The socket under a streamed response (httpcore's network stream), or None."""
    stream = (getattr(response, "extensions", None) or {}).get("network_stream")
    try:
        return stream.get_extra_info("socket") if stream is not None else None
    except Exception:  # an httpcore without it: the caller does without
        return None


def terminating(answer: Obj | None) -> bool:
    """Whether a DELETE's answer (:meth:`Cluster.delete`) is the object still being deleted
    (finalizers, a grace period: it carries a ``deletionTimestamp``) rather than a
    ``Status``, or the object as it was removed, saying it is gone."""
    if not answer or answer.get("kind") == "Status":
        return False
    return bool((answer.get("metadata") or {}).get("deletionTimestamp"))


def _status_of(status: Any) -> dict[str, Any]:
    """lightkube's Status model as the plain dict the API server sent."""
    to_dict = getattr(status, "to_dict", None)
    if to_dict is not None:
        result: dict[str, Any] = to_dict()
        return result
    return dict(status) if isinstance(status, dict) else {"message": str(status)}


#: Generic classes, one per (apiVersion, kind, scope), shared by every Cluster in the process.
_GENERIC: dict[tuple[str, str, bool], Any] = {}
_GENERIC_LOCK = threading.Lock()


def _generic_class(rtype: ResourceType) -> Any:
    """A generic resource class for a kind, made here rather than by lightkube's
    ``create_*_resource``: those register the class process-wide, and refuse a kind that
    lightkube's typed models (or another thread) registered first."""
    key = (rtype.api_version, rtype.kind, rtype.namespaced)
    with _GENERIC_LOCK:
        cls = _GENERIC.get(key)
        if cls is None:
            from lightkube import generic_resource as g

            group, version = _group_version(rtype.api_version)
            classes: tuple[Any, Any, Any] = (
                (g.GenericNamespacedResource, g.GenericNamespacedStatus, g.GenericNamespacedScale)
                if rtype.namespaced
                else (g.GenericGlobalResource, g.GenericGlobalStatus, g.GenericGlobalScale)
            )
            base, status, scale = classes
            info = g.create_api_info(group, version, rtype.kind, rtype.plural)
            attrs = {
                "_api_info": info,
                # the status and scale subresources, as lightkube's own generic classes have
                "Status": g._create_subresource(status, info, action="status"),
                "Scale": g._create_subresource(scale, info, action="scale"),
            }
            cls = _GENERIC[key] = type(rtype.kind, (base,), attrs)
        return cls


def _is_connection_error(exc: BaseException) -> bool:
    from lightkube.config.client_adapter import httpx  # type: ignore[attr-defined]

    return isinstance(exc, httpx.TransportError | ConnectionError | OSError)


def _as_dict(obj: Any) -> dict[str, Any]:
    """A plain dict (lightkube's generic resources are dict subclasses, which YAML and
    equality checks elsewhere should not have to know about)."""
    if type(obj) is dict:
        return obj
    to_dict = getattr(obj, "to_dict", None)
    if to_dict is not None:
        result: dict[str, Any] = to_dict()
        return result
    return dict(obj)
