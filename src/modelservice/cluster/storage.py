"""Where release records live: a small driver interface, as Helm's ``pkg/storage/driver``.

:class:`SecretDriver` keeps them where Helm keeps them (one Secret per revision, see
:mod:`.records`); :class:`MemoryDriver` keeps them in a dict, so that the lifecycle rules of
:class:`~modelservice.cluster.release.Release` (locking, history trimming, ``--atomic``
undo, recovery after a failed install) are unit-tested without a cluster.

Writes are compare-and-swap: :meth:`Driver.update` succeeds only while the stored record
is the one that was read (its :attr:`~.records.Record.revision`), and raises
:class:`~modelservice.cluster.errors.Conflict` otherwise. That is what keeps an operation
whose lock was taken over from recording its result over the taker's.

Records that cannot be decoded are skipped, never fatal, and reported as
:class:`Skipped` so that a command can warn about them (as Helm logs them).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

from modelservice.cluster.client import Api
from modelservice.cluster.errors import AlreadyExists, Conflict, NotFound, RecordError
from modelservice.cluster.records import Record, secret_name


class Skipped(NamedTuple):
    """A stored record that was left out, and why."""

    where: str
    """``namespace/sh.helm.release.v1.NAME.vN``."""
    reason: str

    def __str__(self) -> str:
        return f"skipped the release record {self.where}: {self.reason}"


class Driver(Protocol):
    """Release records of one cluster."""

    def history(self, name: str, namespace: str) -> tuple[list[Record], list[Skipped]]:
        """Every revision of a release, oldest first, and the records left out."""

    def latest(
        self, namespace: str | None, *, all_namespaces: bool = False
    ) -> tuple[list[Record], list[Skipped]]:
        """The latest revision of every release in a namespace (or all), by namespace and
        name, and the records left out."""

    def create(self, record: Record) -> None:
        """Store a new revision; :class:`AlreadyExists` if that revision exists. Sets
        ``record.revision``."""

    def update(self, record: Record) -> None:
        """Overwrite a revision read earlier; :class:`Conflict` when it changed since.
        Sets ``record.revision``."""

    def delete(self, record: Record) -> None:
        """Remove a revision (absent is fine)."""


def _latest(records: list[Record]) -> list[Record]:
    best: dict[tuple[str, str], Record] = {}
    for r in records:
        key = (r.namespace, r.name)
        if key not in best or r.version > best[key].version:
            best[key] = r
    return sorted(best.values(), key=lambda r: (r.namespace, r.name))


class SecretDriver:
    """Records as Helm's Secrets, through an :class:`~modelservice.cluster.client.Api`."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def _decode(self, secrets: list[dict[str, Any]]) -> tuple[list[Record], list[Skipped]]:
        records: list[Record] = []
        skipped: list[Skipped] = []
        for secret in secrets:
            meta = secret.get("metadata") or {}
            where = f"{meta.get('namespace', '')}/{meta.get('name', '')}"
            try:
                record = Record.from_secret(secret)
            except RecordError as err:
                skipped.append(Skipped(where, err.message))
                continue
            stored_in = str(meta.get("namespace") or "")
            if record.namespace != stored_in:
                # Helm acts on the namespace the record names: one stored elsewhere could
                # point a command at objects of a namespace its writer has no access to.
                skipped.append(
                    Skipped(
                        where,
                        f"it names namespace {record.namespace!r} but is stored in {stored_in!r}",
                    )
                )
                continue
            records.append(record)
        return records, skipped

    def history(self, name: str, namespace: str) -> tuple[list[Record], list[Skipped]]:
        secrets = self.api.list(
            "v1", "Secret", namespace=namespace, labels={"owner": "helm", "name": name}
        )
        records, skipped = self._decode(secrets)
        mine = sorted((r for r in records if r.name == name), key=lambda r: r.version)
        return mine, skipped

    def latest(
        self, namespace: str | None, *, all_namespaces: bool = False
    ) -> tuple[list[Record], list[Skipped]]:
        secrets = self.api.list(
            "v1",
            "Secret",
            namespace=namespace,
            labels={"owner": "helm"},
            all_namespaces=all_namespaces,
        )
        records, skipped = self._decode(secrets)
        return _latest(records), skipped

    def create(self, record: Record) -> None:
        record.revision = ""
        created = self.api.create(record.to_secret())
        record.revision = str((created.get("metadata") or {}).get("resourceVersion") or "")

    def update(self, record: Record) -> None:
        if not record.revision:
            raise Conflict(f"revision {record.version} of {record.name!r} was never read")
        try:
            stored = self.api.replace(record.to_secret())
        except NotFound:
            raise Conflict(
                f"revision {record.version} of {record.name!r} was deleted meanwhile"
            ) from None
        record.revision = str((stored.get("metadata") or {}).get("resourceVersion") or "")

    def delete(self, record: Record) -> None:
        self.api.delete("v1", "Secret", secret_name(record.name, record.version), record.namespace)


class MemoryDriver:
    """Records in memory (copies in, copies out), with the same compare-and-swap rule."""

    def __init__(self) -> None:
        self._store: dict[tuple[str, str, int], Record] = {}
        self._counter = itertools.count(1)
        self.bad: dict[str, str] = {}
        """``namespace/secret name`` → reason: records to report as undecodable."""

    def _copy(self, record: Record) -> Record:
        out = copy.deepcopy(record)
        out.revision = record.revision
        out.lock_deadline = record.lock_deadline
        return out

    def _skipped(self, namespace: str | None) -> list[Skipped]:
        return [
            Skipped(where, reason)
            for where, reason in sorted(self.bad.items())
            if namespace is None or where.startswith(f"{namespace}/")
        ]

    def history(self, name: str, namespace: str) -> tuple[list[Record], list[Skipped]]:
        records = [
            self._copy(r) for (ns, n, _), r in self._store.items() if ns == namespace and n == name
        ]
        return sorted(records, key=lambda r: r.version), self._skipped(namespace)

    def latest(
        self, namespace: str | None, *, all_namespaces: bool = False
    ) -> tuple[list[Record], list[Skipped]]:
        scope = None if all_namespaces else namespace
        records = [
            self._copy(r) for (ns, _, _), r in self._store.items() if scope is None or ns == scope
        ]
        return _latest(records), self._skipped(scope)

    def create(self, record: Record) -> None:
        key = (record.namespace, record.name, record.version)
        if key in self._store:
            raise AlreadyExists(f"cannot create Secret/{secret_name(record.name, record.version)}")
        record.revision = str(next(self._counter))
        self._store[key] = self._copy(record)

    def update(self, record: Record) -> None:
        key = (record.namespace, record.name, record.version)
        stored = self._store.get(key)
        if stored is None or stored.revision != record.revision:
            raise Conflict(
                f"cannot update Secret/{secret_name(record.name, record.version)}: "
                "the object has been modified"
            )
        record.revision = str(next(self._counter))
        self._store[key] = self._copy(record)

    def delete(self, record: Record) -> None:
        self._store.pop((record.namespace, record.name, record.version), None)

    def stored(self) -> Mapping[tuple[str, str, int], Record]:
        """What is stored (for tests to inspect)."""
        return dict(self._store)
