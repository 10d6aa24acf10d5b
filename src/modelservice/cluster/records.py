"""Release records in Helm's own storage format, so that ``helm list``, ``helm history``,
``helm rollback`` and ``helm uninstall`` work on releases made by this tool (and we on
theirs).

One Secret per revision, ``sh.helm.release.v1.<name>.v<revision>``, type
``helm.sh/release.v1``, labelled ``name``, ``owner=helm``, ``status``, ``version``; its
``release`` key holds base64(gzip(JSON)) of the release, which the Secret's own base64
encodes once more on the wire. See ../shared/notes/helm-release-records.md.
"""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from modelservice.values.model import APP_VERSION, CHART_NAME, CHART_VERSION

SECRET_TYPE = "helm.sh/release.v1"
GZIP_MAGIC = b"\x1f\x8b\x08"

DEPLOYED = "deployed"
SUPERSEDED = "superseded"
FAILED = "failed"
UNINSTALLING = "uninstalling"
UNINSTALLED = "uninstalled"
PENDING_INSTALL = "pending-install"
PENDING_UPGRADE = "pending-upgrade"
PENDING_ROLLBACK = "pending-rollback"
PENDING = (PENDING_INSTALL, PENDING_UPGRADE, PENDING_ROLLBACK)


def now() -> str:
    """RFC 3339 with fractional seconds, as Go's time.Time marshals."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime | None:
    if not text:
        return None
    t = text.replace("Z", "+00:00")
    # Go writes nanoseconds; Python's parser takes at most microseconds.
    if "." in t:
        head, _, rest = t.partition(".")
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        t = f"{head}.{digits[:6]}{rest}"
    try:
        return datetime.fromisoformat(t)
    except ValueError:
        return None


def secret_name(release: str, revision: int) -> str:
    return f"sh.helm.release.v1.{release}.v{revision}"


@dataclass
class Record:
    """One revision of a release, as Helm stores it."""

    name: str
    namespace: str
    version: int
    status: str
    manifest: str
    config: dict[str, Any]
    description: str = ""
    first_deployed: str = ""
    last_deployed: str = ""
    deleted: str = ""
    chart_name: str = CHART_NAME
    chart_version: str = CHART_VERSION
    app_version: str = APP_VERSION
    extra: dict[str, Any] = field(default_factory=dict)
    """Fields of the release JSON we do not interpret (kept on rewrite)."""

    def to_json(self) -> dict[str, Any]:
        doc = dict(self.extra)
        chart = dict(doc.get("chart") or {})
        if not chart.get("metadata"):  # a record read back keeps its chart (maybe Helm's)
            chart["metadata"] = {
                "apiVersion": "v2",
                "name": self.chart_name,
                "version": self.chart_version,
                "appVersion": self.app_version,
                "description": "llm-d ModelService, rendered by the modelservice tool",
                "type": "application",
            }
        chart.setdefault("templates", [])
        chart.setdefault("files", [])
        doc.update(
            {
                "name": self.name,
                "namespace": self.namespace,
                "version": self.version,
                "info": {
                    "first_deployed": self.first_deployed,
                    "last_deployed": self.last_deployed,
                    "deleted": self.deleted,
                    "description": self.description,
                    "status": self.status,
                    "notes": "",
                },
                "chart": chart,
                "config": self.config,
                "manifest": self.manifest,
                "hooks": doc.get("hooks") or [],
                "apply_method": "ssa",
            }
        )
        return doc

    def to_secret(self) -> dict[str, Any]:
        payload = base64.b64encode(gzip.compress(json.dumps(self.to_json()).encode(), 9))
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": SECRET_TYPE,
            "metadata": {
                "name": secret_name(self.name, self.version),
                "namespace": self.namespace,
                "labels": {
                    "name": self.name,
                    "owner": "helm",
                    "status": self.status,
                    "version": str(self.version),
                    "modifiedAt": str(int(datetime.now(UTC).timestamp())),
                },
            },
            "data": {"release": base64.b64encode(payload).decode()},
        }

    @classmethod
    def from_secret(cls, secret: dict[str, Any]) -> Record | None:
        """Decode a record; None for one that does not decode (Helm skips those too)."""
        try:
            raw = base64.b64decode(base64.b64decode((secret.get("data") or {})["release"]))
            if raw[:3] == GZIP_MAGIC:
                raw = gzip.decompress(raw)
            doc = json.loads(raw)
            info = doc.get("info") or {}
            meta = (doc.get("chart") or {}).get("metadata") or {}
            return cls(
                name=doc["name"],
                namespace=doc.get("namespace") or secret["metadata"].get("namespace", ""),
                version=int(doc["version"]),
                status=info.get("status", "unknown"),
                manifest=doc.get("manifest") or "",
                config=doc.get("config") or {},
                description=info.get("description", ""),
                first_deployed=info.get("first_deployed", ""),
                last_deployed=info.get("last_deployed", ""),
                deleted=info.get("deleted", ""),
                chart_name=meta.get("name", "MISSING"),
                chart_version=meta.get("version", ""),
                app_version=meta.get("appVersion", ""),
                extra=doc,
            )
        except (KeyError, ValueError, TypeError, OSError, EOFError):
            return None

    @property
    def chart(self) -> str:
        return f"{self.chart_name}-{self.chart_version}"
