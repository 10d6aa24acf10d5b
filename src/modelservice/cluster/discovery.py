"""Which kinds a cluster serves, and under which plural and scope, cached between runs.

A command asks about a handful of kinds; asking the API server each time costs a request
per group-version (five for a release with an InferencePool and an HTTPRoute), so, as
kubectl does, the answer is kept on disk, one file per server, under the user's cache
directory (``$XDG_CACHE_HOME/modelservice/discovery``, by default ``~/.cache/...``):

- the core, ``apps`` and ``rbac.authorization.k8s.io`` kinds of :data:`~modelservice.kinds.KINDS`
  are served by every supported Kubernetes under the names the table gives, so they are
  never looked up;
- anything else comes from the cache while it is younger than its time to live (six hours,
  kubectl's; ``$MODELSERVICE_DISCOVERY_TTL`` seconds, ``0`` turns the disk cache off), and
  was written for the same server URL and server version;
- a kind the cache does not have, an expired cache, or a cached kind whose path the server
  answers 404 for (a CRD removed, a server upgraded) refreshes it: one request for the
  aggregated discovery document of every group (``/apis``, Kubernetes 1.26+; older servers
  are asked per group-version), one for ``/version`` to record which server answered.

A cache that cannot be read or written is ignored: it only saves requests.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from modelservice.kinds import KINDS

#: Groups whose kinds in the table are served by every Kubernetes this tool supports.
STABLE_GROUPS = frozenset({"", "apps", "rbac.authorization.k8s.io"})
DEFAULT_TTL = 6 * 3600.0
_FORMAT = 1
_AGGREGATED = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)


class ResourceType(NamedTuple):
    api_version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]


_STABLE: dict[tuple[str, str], ResourceType] = {
    (k.api_version, k.kind): ResourceType(k.api_version, k.kind, k.plural, k.namespaced)
    for k in KINDS
    if k.group in STABLE_GROUPS
}

#: (path, accept) -> (status, JSON body or None)
Fetch = Callable[[str, str], tuple[int, Any]]


def _kinds_json(kinds: dict[str, ResourceType]) -> dict[str, list[Any]]:
    return {k: [r.plural, r.namespaced] for k, r in kinds.items()}


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "modelservice", "discovery")


def _ttl() -> float:
    raw = os.environ.get("MODELSERVICE_DISCOVERY_TTL")
    if raw is None:
        return DEFAULT_TTL
    try:
        return max(0.0, float(raw))
    except ValueError:
        return DEFAULT_TTL


def _file_for(server: str) -> str:
    """One file per server, named like kubectl's directories (``host_port``)."""
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in server.split("://", 1)[-1])
    return os.path.join(cache_dir(), f"{name}.json")


class Discovery:
    """Answers "how is this kind served" for one server; ``fetch(path, accept)`` makes the
    requests (so that they are counted where every other request is)."""

    def __init__(self, server: str, fetch: Fetch, *, ttl: float | None = None) -> None:
        self.server = server
        self.fetch = fetch
        self.ttl = _ttl() if ttl is None else ttl
        self.path = _file_for(server)
        self._served: dict[str, dict[str, ResourceType] | None] = {}
        """apiVersion -> kinds (None: that group-version is not served)."""
        self._loaded = False
        self._fresh = False
        """Whether the group-versions known now were fetched by this process."""
        self._aggregated: bool | None = None
        self.server_version: str | None = None

    # ------------------------------------------------------------------ the cache file

    def _load(self) -> None:
        self._loaded = True
        if self.ttl <= 0:
            return
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError):
            return
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            return
        if data.get("server") != self.server:
            return
        fetched = data.get("fetched")
        if not isinstance(fetched, int | float) or not 0 <= time.time() - fetched < self.ttl:
            return
        versions = data.get("groupVersions")
        if not isinstance(versions, dict):
            return
        self.server_version = data.get("serverVersion")
        self._aggregated = data.get("aggregated")
        for gv, kinds in versions.items():
            if kinds is None:
                self._served[gv] = None
                continue
            if not isinstance(kinds, dict):
                continue
            self._served[gv] = {
                kind: ResourceType(gv, kind, str(v[0]), bool(v[1]))
                for kind, v in kinds.items()
                if isinstance(v, list) and len(v) == 2
            }

    def _save(self) -> None:
        if self.ttl <= 0:
            return
        payload = {
            "format": _FORMAT,
            "server": self.server,
            "serverVersion": self.server_version,
            "fetched": time.time(),
            "aggregated": self._aggregated,
            "groupVersions": {
                gv: None if kinds is None else _kinds_json(kinds)
                for gv, kinds in self._served.items()
            },
        }
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            tmp = f"{self.path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(payload, f, separators=(",", ":"))
            os.replace(tmp, self.path)
        except OSError:
            pass

    # ------------------------------------------------------------------ asking the server

    def _refresh(self, api_version: str) -> None:
        """Fetch discovery again (all groups at once where the server can), then save."""
        if not self._fresh:
            # The first refresh of this process: nothing cached stays (whatever made it
            # stale may have changed more), and the server version is recorded with it.
            self._served = {}
            status, body = self.fetch("/version", "application/json")
            if status == 200 and isinstance(body, dict):
                self.server_version = str(body.get("gitVersion") or "") or None
        group = api_version.rpartition("/")[0]
        if self._aggregated is not False:
            path = "/api" if not group else "/apis"
            status, body = self.fetch(path, _AGGREGATED)
            if (
                status == 200
                and isinstance(body, dict)
                and body.get("kind") == "APIGroupDiscoveryList"
            ):
                self._aggregated = True
                self._read_aggregated(body, core=not group)
                self._served.setdefault(api_version, None)
                self._fresh = True
                self._save()
                return
            self._aggregated = False
        path = f"/apis/{api_version}" if group else f"/api/{api_version}"
        status, body = self.fetch(path, "application/json")
        found: dict[str, ResourceType] | None = None
        if status == 200 and isinstance(body, dict):
            found = {}
            for r in body.get("resources") or []:
                if "/" in str(r.get("name", "")):
                    continue  # subresources
                found[str(r["kind"])] = ResourceType(
                    api_version, str(r["kind"]), str(r["name"]), bool(r.get("namespaced"))
                )
        self._served[api_version] = found
        self._fresh = True
        self._save()

    def _read_aggregated(self, body: dict[str, Any], *, core: bool) -> None:
        for item in body.get("items") or []:
            group = "" if core else str((item.get("metadata") or {}).get("name") or "")
            for version in item.get("versions") or []:
                gv = f"{group}/{version.get('version')}" if group else str(version.get("version"))
                kinds: dict[str, ResourceType] = {}
                for r in version.get("resources") or []:
                    response = r.get("responseKind") or {}
                    kind = str(response.get("kind") or "")
                    if not kind:
                        continue
                    kinds[kind] = ResourceType(
                        gv, kind, str(r.get("resource") or ""), r.get("scope") == "Namespaced"
                    )
                self._served[gv] = kinds

    # ------------------------------------------------------------------ answers

    def lookup(self, api_version: str, kind: str) -> ResourceType | None:
        """How ``kind`` is served, or None when it is not (after making sure)."""
        stable = _STABLE.get((api_version, kind))
        if stable is not None:
            return stable
        if not self._loaded:
            self._load()
        served = self._served.get(api_version)
        if served is not None and kind in served:
            return served[kind]
        if not self._fresh:
            self._refresh(api_version)
            served = self._served.get(api_version)
            return served.get(kind) if served else None
        if api_version not in self._served:
            self._refresh(api_version)
        served = self._served.get(api_version)
        return served.get(kind) if served else None

    def stale(self, api_version: str, kind: str) -> bool:
        """The server answered 404 for this kind's path: forget what the cache said and
        ask again. Whether the answer may have changed (a request worth repeating)."""
        if (api_version, kind) in _STABLE or self._fresh:
            return False
        self._refresh(api_version)
        return True
