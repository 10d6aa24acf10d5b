"""What a ``diff`` shows: objects without server bookkeeping, and Secrets masked.

Secret values are masked as ``kubectl diff`` masks them: a value that is the same on both
sides shows as ``***``, one that changes as ``*** (before)`` and ``*** (after)``, so a diff
still says *which* keys change without printing them (``--show-secrets`` opts out).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]

_SERVER_META = (
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
)
_SERVER_ANNOTATIONS = (
    "deployment.kubernetes.io/revision",
    "kubectl.kubernetes.io/last-applied-configuration",
)
_SECRET_FIELDS = ("data", "stringData")


@dataclass
class ObjectDiff:
    kind: str
    name: str
    action: str
    """``create``, ``update``, ``delete``, ``unchanged``, or ``conflict`` (an upgrade would
    refuse it: the live object belongs to someone else; ``note`` says who)."""
    before: str
    after: str
    note: str = ""


def comparable(obj: Obj | None) -> Obj:
    """An object without the fields the server owns (status, bookkeeping metadata)."""
    if obj is None:
        return {}
    out = copy.deepcopy(obj)
    out.pop("status", None)
    meta = out.get("metadata") or {}
    for key in _SERVER_META:
        meta.pop(key, None)
    ann = meta.get("annotations") or {}
    for key in _SERVER_ANNOTATIONS:
        ann.pop(key, None)
    if "annotations" in meta and not ann:
        meta.pop("annotations")
    return out


def mask_secrets(before: Obj, after: Obj) -> tuple[Obj, Obj]:
    """Both sides of a Secret with every value masked (other kinds unchanged)."""
    if "Secret" not in (before.get("kind"), after.get("kind")):
        return before, after
    before, after = copy.deepcopy(before), copy.deepcopy(after)
    for field in _SECRET_FIELDS:
        old = before.get(field)
        new = after.get(field)
        old = old if isinstance(old, dict) else {}
        new = new if isinstance(new, dict) else {}
        for key in set(old) | set(new):
            if key in old and key in new and old[key] != new[key]:
                old[key], new[key] = "*** (before)", "*** (after)"
            else:
                if key in old:
                    old[key] = "***"
                if key in new:
                    new[key] = "***"
    return before, after
