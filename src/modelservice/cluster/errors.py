"""The errors of the cluster layer, as types.

Layers above (the release lifecycle, the operator, the CLI) decide by type, never by
matching text: a create that finds the object there raises :class:`AlreadyExists`, a kind
the cluster does not serve :class:`KindNotServed`, a live object owned by someone else
:class:`OwnershipConflict` naming the owner. Each error keeps the facts it is about as
attributes, and its words come from :meth:`ClusterError.describe`: the Python API reads
``create_namespace=True`` where the command line reads ``--create-namespace``, so the hint a
user gets names the switch they can actually use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from modelservice.errors import ModelServiceError

if TYPE_CHECKING:
    from modelservice.kinds import Identity

#: How a hint names an option: (Python API, command line).
OPTIONS: dict[str, tuple[str, str]] = {
    "create_namespace": ("create_namespace=True", "--create-namespace"),
    "take_ownership": ("take_ownership=True", "--take-ownership"),
    "force_conflicts": (
        "force_conflicts=True",
        "--force-conflicts (the default: leave out --no-force-conflicts)",
    ),
    "force": ("force=True", "--force"),
    "include_foreign": ("include_foreign=True", "--include-foreign-objects"),
    "timeout": ("timeout=", "--timeout"),
    "upgrade": ("Release.upgrade()", "'modelservice upgrade'"),
    "install": ("Release.install()", "'modelservice install'"),
    "upgrade_install": ("Release.upgrade(install=True)", "'modelservice upgrade --install'"),
    "status": ("Release.status()", "'modelservice status'"),
}


class ClusterError(ModelServiceError):
    """Something the cluster refused or could not do, in plain words with the fix.

    ``hint`` may name options as ``{option}`` (keys of :data:`OPTIONS`); :meth:`describe`
    fills them in for the caller's interface.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.describe())

    def describe(self, *, cli: bool = False) -> str:
        if not self.hint:
            return self.message
        names = {key: words[1 if cli else 0] for key, words in OPTIONS.items()}
        return f"{self.message}; {self.hint.format(**names)}"


class Unreachable(ClusterError):
    """The API server did not answer."""

    def __init__(self, server: str, cause: str) -> None:
        self.server = server
        super().__init__(
            f"cannot reach the Kubernetes API server at {server}: {cause}",
            "is the cluster running, and are --kubeconfig/--kube-context right?",
        )


class Forbidden(ClusterError):
    """RBAC refused a request."""

    def __init__(self, action: str, message: str) -> None:
        self.action = action
        super().__init__(
            f"forbidden to {action}: {message}",
            "ask a cluster admin for this RBAC permission, or use a context that has it",
        )


class NotFound(ClusterError):
    """The object does not exist."""


class NamespaceNotFound(NotFound):
    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        super().__init__(
            f"namespace {namespace!r} does not exist", "create it, or pass {create_namespace}"
        )


class AlreadyExists(ClusterError):
    """A create found the object there already."""


class Conflict(ClusterError):
    """The object changed since it was read (resourceVersion precondition failed)."""


class FieldConflict(ClusterError):
    """Server-side apply: another field manager owns fields this apply would change."""

    def __init__(self, action: str, owners: str) -> None:
        self.owners = owners
        super().__init__(
            f"cannot {action}: fields are owned by another field manager ({owners})",
            "take them over with {force_conflicts}, or change them back",
        )


#: Kept for callers of the first API; the same class.
ConflictError = FieldConflict


class Invalid(ClusterError):
    """The API server rejected an object (validation, admission)."""


class KindNotServed(ClusterError):
    """The cluster does not serve a kind (a CRD is missing)."""

    def __init__(self, api_version: str, kind: str, hint: str) -> None:
        self.api_version = api_version
        self.kind = kind
        super().__init__(f"{kind} ({api_version}) is not served by this cluster: {hint}")


class OwnershipConflict(ClusterError):
    """Live objects that are not the applier's: Helm's rule for releases, the
    ModelService's marks for the operator. ``conflicts`` holds (identity, why) pairs."""

    def __init__(
        self, conflicts: Sequence[tuple[Identity, str]], operation: str, *, adoptable: bool
    ) -> None:
        self.conflicts = list(conflicts)
        self.operation = operation
        lines = [f"{ident} exists and cannot be imported into the current {operation}: {why}"
                 for ident, why in self.conflicts]  # fmt: skip
        head = "rendered manifests contain a resource that already exists"
        if len(lines) == 1:
            message = f"{head}: {lines[0]}"
        else:
            message = f"{head} ({len(lines)}):\n  " + "\n  ".join(lines)
        hint = (
            "delete or rename it, or adopt it into this release with {take_ownership}"
            if adoptable
            else "delete or rename it, or choose other names"
        )
        super().__init__(message, hint)


class ReleaseError(ClusterError):
    """A lifecycle rule was broken (release missing, already exists, locked, failed)."""


class ReleaseNotFound(ReleaseError):
    def __init__(self, name: str, namespace: str) -> None:
        self.name = name
        self.namespace = namespace
        super().__init__(f"release {name!r} not found in namespace {namespace!r}")


class Locked(ReleaseError):
    """Another operation holds the release's lock (its latest revision is pending)."""


class LockLost(ReleaseError):
    """This operation's pending revision was taken over (or changed) by another."""


class RecordError(ClusterError):
    """A release record that cannot be decoded within bounds."""
