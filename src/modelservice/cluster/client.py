"""The connection to a cluster: lightkube client, API discovery, and plain-words errors.

Every request the tool makes goes through :class:`Cluster`, which turns the API server's
answers into :class:`ClusterError` s a user can act on (which CRD to install, which RBAC
verb is missing, who owns a conflicting field) and counts requests, so that budgets like
"requests per install" can be measured rather than guessed.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

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
from modelservice.naming import POOL_ALPHA_GROUP, POOL_V1_GROUP, POOL_V1ALPHA2

__all__ = [
    "FIELD_MANAGER",
    "Api",
    "Cluster",
    "ClusterError",
    "ConflictError",
    "NotFoundError",
    "ResourceType",
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


@dataclass(frozen=True)
class ResourceType:
    api_version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]


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
    ) -> bool: ...

    def ensure_namespace(self, name: str, *, create: bool) -> None: ...


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
        self._config = single
        self._types: dict[tuple[str, str], ResourceType] = {}
        self._classes: dict[tuple[str, str], Any] = {}
        self._served: dict[str, dict[str, ResourceType] | None] = {}
        self.requests = 0
        """API requests made through this connection (watch streams count once)."""

    # ------------------------------------------------------------------ discovery

    def _discover(self, api_version: str) -> dict[str, ResourceType] | None:
        """The kinds served under one group/version, or None when it is not served."""
        if api_version in self._served:
            return self._served[api_version]
        group, version = _group_version(api_version)
        path = f"/api/{version}" if not group else f"/apis/{group}/{version}"
        body = self._raw_get(path)
        found: dict[str, ResourceType] | None = None
        if body is not None:
            found = {}
            for r in body.get("resources", []):
                if "/" in r["name"]:
                    continue  # subresources
                found[r["kind"]] = ResourceType(api_version, r["kind"], r["name"], r["namespaced"])
        self._served[api_version] = found
        return found

    def _http_client(self) -> Any:
        from lightkube.config.client_adapter import Client as adapter
        from lightkube.config.client_adapter import ConnectionParams

        http = getattr(self, "_http", None)
        if http is None:
            http = self._http = adapter(self._config, ConnectionParams())
        return http

    def _raw_get(self, path: str) -> dict[str, Any] | None:
        self.requests += 1
        try:
            resp = self._http_client().get(path)
        except Exception as exc:
            raise self._unreachable(exc) from None
        if resp.status_code == 404:
            return None
        if resp.status_code >= 400:
            raise ClusterError(
                f"the API server answered {resp.status_code} to GET {path}: {resp.text[:300]}"
            )
        result: dict[str, Any] = resp.json()
        return result

    def resource_type(self, api_version: str, kind: str) -> ResourceType:
        """How the cluster serves a kind; :class:`KindNotServed` when it does not."""
        key = (api_version, kind)
        known = self._types.get(key)
        if known is not None:
            return known
        served = self._discover(api_version)
        rtype = served.get(kind) if served else None
        if rtype is None:
            group = _group_version(api_version)[0]
            hint = _CRD_HINTS.get(group, "install the CRD that defines it")
            option = _CRD_OPTION.get((group, kind))
            if option:
                hint = f"{hint.split(', or set')[0]}, or set {option}"
            raise KindNotServed(api_version, kind, hint)
        self._types[key] = rtype
        return rtype

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

        self.requests += 1
        try:
            return fn(*args, **kwargs)
        except ApiError as exc:
            raise self._api_error(what, _status_of(exc.status)) from None
        except ClusterError:
            raise
        except Exception as exc:
            if _is_connection_error(exc):
                raise self._unreachable(exc) from None
            raise

    def apply(
        self, obj: dict[str, Any], *, force: bool = True, dry_run: bool = False
    ) -> dict[str, Any]:
        """Server-side apply one object with this connection's field manager."""
        cls = self.resource_class(obj["apiVersion"], obj["kind"])
        ns = self._ns(obj)
        what = f"apply {obj['kind']}/{obj['metadata']['name']}"
        result = self._call(
            what,
            self.client.apply,
            cls(obj),
            namespace=ns,
            force=force,
            dry_run=dry_run,
            field_manager=self.field_manager,
        )
        return _as_dict(result)

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        """The live object, or None if it does not exist."""
        cls = self.resource_class(api_version, kind)
        ns = self._scope(api_version, kind, namespace)
        try:
            return _as_dict(
                self._call(f"get {kind}/{name}", self.client.get, cls, name, namespace=ns)
            )
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
        cls = self.resource_class(api_version, kind)
        ns: str | None = "*" if all_namespaces else (namespace or self.namespace)
        if not self.resource_type(api_version, kind).namespaced:
            ns = None
        selector: Any = labels
        items = self._call(
            f"list {kind}", lambda: list(self.client.list(cls, namespace=ns, labels=selector))
        )
        return [_as_dict(i) for i in items]

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Create; :class:`AlreadyExists` when the object is there."""
        cls = self.resource_class(obj["apiVersion"], obj["kind"])
        meta = obj["metadata"]
        what = f"create {obj['kind']}/{meta.get('name') or meta.get('generateName', '')}"
        return _as_dict(self._call(what, self.client.create, cls(obj), namespace=self._ns(obj)))

    def replace(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Replace; with ``metadata.resourceVersion`` set this is a compare-and-swap that
        raises :class:`Conflict` when the object changed since it was read."""
        cls = self.resource_class(obj["apiVersion"], obj["kind"])
        what = f"update {obj['kind']}/{obj['metadata']['name']}"
        return _as_dict(self._call(what, self.client.replace, cls(obj), namespace=self._ns(obj)))

    def delete(
        self,
        api_version: str,
        kind: str,
        name: str,
        namespace: str | None = None,
        *,
        uid: str | None = None,
        dry_run: bool = False,
    ) -> bool:
        """Delete in the background (dependents are garbage-collected); False if absent.

        With ``uid`` the API server deletes only that object (a precondition): one that was
        deleted and created again since it was read raises :class:`Conflict`. With
        ``dry_run`` it only checks the deletion.
        """
        rtype = self.resource_type(api_version, kind)
        ns = self._scope(api_version, kind, namespace)
        group, version = _group_version(api_version)
        base = f"/api/{version}" if not group else f"/apis/{group}/{version}"
        where = f"/namespaces/{ns}" if ns else ""
        body: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "DeleteOptions",
            "propagationPolicy": "Background",
        }
        if uid:
            body["preconditions"] = {"uid": uid}
        if dry_run:
            body["dryRun"] = ["All"]
        try:
            self._raw(
                "DELETE", f"{base}{where}/{rtype.plural}/{name}", f"delete {kind}/{name}", body
            )
        except NotFound:
            return False
        return True

    def _raw(self, method: str, path: str, what: str, body: Any = None) -> dict[str, Any]:
        """One request outside lightkube's typed calls (for DeleteOptions preconditions)."""
        import json

        self.requests += 1
        try:
            resp = self._http_client().request(
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
