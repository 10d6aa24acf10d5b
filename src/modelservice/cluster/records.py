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
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from modelservice.cluster.errors import RecordError
from modelservice.naming import CHART_NAME
from modelservice.values.model import APP_VERSION, CHART_VERSION

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


#: Annotation of a pending record's Secret: when its holder gives up (Unix seconds).
LOCK_DEADLINE = "llm-d.ai/lock-deadline"

#: Bounds for decoding a record. Helm's Secrets hold at most 1 MiB; gzip can make that
#: hundreds of times larger, so the decompressed size is capped well above any real record.
MAX_RECORD_BYTES = 32 * 1024 * 1024
MAX_JSON_DEPTH = 200


def decode_release(raw: bytes) -> dict[str, Any]:
    """Helm's release JSON from the base64-decoded payload (gzipped or not), bounded."""
    try:
        text = base64.b64decode(raw, validate=True)
    except ValueError:
        raise RecordError("the release payload is not base64") from None
    if text[:3] == GZIP_MAGIC:
        text = _gunzip(text, MAX_RECORD_BYTES)
    elif len(text) > MAX_RECORD_BYTES:
        raise RecordError(f"the release is larger than {MAX_RECORD_BYTES >> 20} MiB")
    try:
        doc = json.loads(text)
    except RecursionError:
        raise RecordError("the release JSON is nested too deeply") from None
    except ValueError as exc:
        raise RecordError(f"the release is not JSON ({exc.__class__.__name__})") from None
    if not isinstance(doc, dict):
        raise RecordError("the release JSON is not an object")
    _check_depth(doc, MAX_JSON_DEPTH)
    return doc


def _gunzip(data: bytes, limit: int) -> bytes:
    """Decompress every gzip member (as Go's reader does), refusing more than ``limit``
    bytes of output: a few kilobytes can otherwise expand to gigabytes."""
    out: list[bytes] = []
    size = 0
    rest = data
    while rest:
        d = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            chunk = d.decompress(rest, limit + 1 - size)
        except zlib.error:
            raise RecordError("the release payload is not valid gzip") from None
        size += len(chunk)
        out.append(chunk)
        if size > limit:
            raise RecordError(f"the release decompresses to more than {limit >> 20} MiB")
        if not d.eof:
            raise RecordError("the release payload is truncated gzip")
        rest = d.unused_data
    return b"".join(out)


def _check_depth(doc: Any, limit: int) -> None:
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise RecordError(f"the release JSON is nested deeper than {limit} levels")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))


def _field(doc: Mapping[str, Any], key: str, kind: Any, default: Any) -> Any:
    value = doc.get(key)
    if value is None:
        if default is None:
            raise RecordError(f"the release has no {key!r}")
        return default
    if not isinstance(value, kind):
        raise RecordError(f"the release's {key!r} is not a {getattr(kind, '__name__', kind)}")
    return value


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


def default_mode_annotations() -> dict[str, str]:
    """The chart annotations of a record rendered in the default mode (a record made without
    naming its chart is one)."""
    from modelservice.charts.versions import DEFAULT_MODE, MODE_ANNOTATION

    return {MODE_ANNOTATION: DEFAULT_MODE}


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
    chart_annotations: dict[str, str] = field(default_factory=default_mode_annotations)
    """The chart metadata's annotations; the default mode's records are marked in them (see
    :mod:`modelservice.charts.versions`)."""
    chart_values: dict[str, Any] = field(default_factory=dict)
    """The chart's default values, as Helm stores them with the chart: ``helm get values
    --all`` and ``helm upgrade --reuse-values`` lay the release's values over these."""
    hooks: list[dict[str, Any]] = field(default_factory=list)
    """Helm's hooks (objects annotated ``helm.sh/hook``), as Helm serializes them: not part
    of the manifest."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Fields of the release JSON we do not interpret (kept on rewrite)."""
    revision: str = field(default="", compare=False)
    """The storage's version of the stored record (a Secret's ``resourceVersion``): a write
    succeeds only while it is current, so two writers cannot both win."""
    lock_deadline: float | None = field(default=None, compare=False)
    """For a pending revision: when (Unix time) its holder gives up. Another operation may
    take the lock over only after it, whatever that operation's own ``--timeout``."""

    def to_json(self) -> dict[str, Any]:
        doc = dict(self.extra)
        chart = dict(doc.get("chart") or {})
        if not chart.get("metadata"):  # a record read back keeps its chart (maybe Helm's)
            meta: dict[str, Any] = {
                "apiVersion": "v2",
                "name": self.chart_name,
                "version": self.chart_version,
                "appVersion": self.app_version,
                "description": "llm-d ModelService, rendered by the modelservice tool",
                "type": "application",
            }
            if self.chart_annotations:
                meta["annotations"] = dict(self.chart_annotations)
            chart["metadata"] = meta
            chart["values"] = self.chart_values
        chart.setdefault("templates", [])
        chart.setdefault("files", [])
        hooks = self.hooks or doc.get("hooks") or []
        if hooks:
            doc["hooks"] = hooks
        else:
            doc.pop("hooks", None)  # as Helm writes a release without hooks
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
                "apply_method": "ssa",
            }
        )
        return doc

    def to_secret(self) -> dict[str, Any]:
        """The Secret that stores this record; with :attr:`revision` set, writing it is a
        compare-and-swap."""
        payload = base64.b64encode(gzip.compress(json.dumps(self.to_json()).encode(), 9))
        meta: dict[str, Any] = {
            "name": secret_name(self.name, self.version),
            "namespace": self.namespace,
            "labels": {
                "name": self.name,
                "owner": "helm",
                "status": self.status,
                "version": str(self.version),
                "modifiedAt": str(int(datetime.now(UTC).timestamp())),
            },
        }
        if self.lock_deadline is not None and self.status in PENDING:
            meta["annotations"] = {LOCK_DEADLINE: f"{self.lock_deadline:.0f}"}
        if self.revision:
            meta["resourceVersion"] = self.revision
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": SECRET_TYPE,
            "metadata": meta,
            "data": {"release": base64.b64encode(payload).decode()},
        }

    @classmethod
    def from_secret(cls, secret: Mapping[str, Any]) -> Record:
        """Decode a record from its Secret; :class:`RecordError` says why one cannot be.

        Everything is bounded: the decompressed size, the JSON nesting, the types of the
        fields this tool reads. A Secret anyone could write is input, not trusted state.
        """
        meta = secret.get("metadata")
        meta = meta if isinstance(meta, Mapping) else {}
        data = secret.get("data")
        payload = data.get("release") if isinstance(data, Mapping) else None
        if not isinstance(payload, str):
            raise RecordError("no 'release' key in the Secret's data")
        try:
            outer = base64.b64decode(payload, validate=True)
        except ValueError:
            raise RecordError("the Secret's data is not base64") from None
        doc = decode_release(outer)
        record = cls.from_json(doc, str(meta.get("namespace") or ""))
        record.revision = str(meta.get("resourceVersion") or "")
        annotations = meta.get("annotations")
        deadline = annotations.get(LOCK_DEADLINE) if isinstance(annotations, Mapping) else None
        try:
            record.lock_deadline = float(deadline) if deadline is not None else None
        except (TypeError, ValueError):
            record.lock_deadline = None
        return record

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], namespace: str = "") -> Record:
        """A record from Helm's release JSON; :class:`RecordError` for a malformed one."""
        info = _field(doc, "info", Mapping, {})
        chart = _field(doc, "chart", Mapping, {})
        meta = _field(chart, "metadata", Mapping, {})
        name = _field(doc, "name", str, None)
        version = doc.get("version")
        if isinstance(version, bool) or not isinstance(version, int | float):
            raise RecordError("'version' is not a number")
        if version != int(version) or version < 1:
            raise RecordError(f"'version' {version!r} is not a revision number")
        return cls(
            name=name,
            namespace=_field(doc, "namespace", str, "") or namespace,
            version=int(version),
            status=_field(info, "status", str, "unknown"),
            manifest=_field(doc, "manifest", str, ""),
            config=dict(_field(doc, "config", Mapping, {})),
            description=_field(info, "description", str, ""),
            first_deployed=_field(info, "first_deployed", str, ""),
            last_deployed=_field(info, "last_deployed", str, ""),
            deleted=_field(info, "deleted", str, ""),
            chart_name=_field(meta, "name", str, "MISSING"),
            chart_version=_field(meta, "version", str, ""),
            app_version=_field(meta, "appVersion", str, ""),
            chart_annotations={
                str(k): v
                for k, v in _field(meta, "annotations", Mapping, {}).items()
                if isinstance(v, str)
            },
            chart_values=dict(_field(chart, "values", Mapping, {})),
            hooks=[dict(h) for h in _field(doc, "hooks", list, []) if isinstance(h, Mapping)],
            extra=dict(doc),
        )

    @property
    def chart(self) -> str:
        return f"{self.chart_name}-{self.chart_version}"

    def copy_chart(self, other: Record) -> None:
        """Record ``other``'s chart as this revision's, whole (Helm's rollback does: the
        revision rolled back to is recorded with the chart it was made from)."""
        self.chart_name = other.chart_name
        self.chart_version = other.chart_version
        self.app_version = other.app_version
        self.chart_annotations = dict(other.chart_annotations)
        self.chart_values = other.chart_values
        self.extra["chart"] = other.to_json()["chart"]

    def set_chart(self, metadata: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        """Record the chart a revision was rendered from (its metadata and default values)."""
        self.chart_name = str(metadata.get("name", ""))
        self.chart_version = str(metadata.get("version", ""))
        self.app_version = str(metadata.get("appVersion", ""))
        annotations = metadata.get("annotations")
        self.chart_annotations = dict(annotations) if isinstance(annotations, Mapping) else {}
        self.chart_values = dict(values)
        self.extra["chart"] = {
            "metadata": dict(metadata),
            "values": self.chart_values,
            "templates": [],
            "files": [],
        }
