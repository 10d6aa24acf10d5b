"""``semverCompare``: Masterminds/semver v3 constraints, as sprig (and so Helm) checks them.

Charts gate API versions on the cluster's version (``semverCompare ">=1.19-0"
.Capabilities.KubeVersion.Version``), so the rules must be the library's, quirks included:
x-ranges (``1.2.x``), tilde and caret, hyphen ranges, ``||`` and ``,``, and prereleases
matching only when the constraint itself names one.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

_CV = (
    r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
_OPS = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^"
_LOOSE = (
    r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$"
)


@functools.cache
def _rx() -> dict[str, re.Pattern[str]]:
    return {
        "constraint": re.compile(rf"^\s*({_OPS})\s*({_CV})\s*$"),
        "range": re.compile(rf"\s*({_CV})\s+-\s+({_CV})\s*"),
        "find": re.compile(rf"({_OPS})\s*({_CV})"),
        "valid": re.compile(rf"^(\s*({_OPS})\s*({_CV})\s*)((?:\s+|,\s*)({_OPS})\s*({_CV})\s*)*$"),
        "loose": re.compile(_LOOSE),
    }


class SemverError(ValueError):
    pass


class Version(NamedTuple):
    major: int
    minor: int
    patch: int
    pre: str
    metadata: str

    def __str__(self) -> str:
        s = f"{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            s += "-" + self.pre
        if self.metadata:
            s += "+" + self.metadata
        return s


_ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789")


def parse_version(v: str) -> Version:
    m = _rx()["loose"].match(v)
    if m is None or "\n" in v:
        raise SemverError("invalid semantic version")
    pre, meta = m.group(5) or "", m.group(8) or ""
    for p in pre.split(".") if pre else []:
        if not p:
            raise SemverError("invalid prerelease string")
        if p.isdigit():
            if len(p) > 1 and p[0] == "0":
                raise SemverError("version segment starts with 0")
        elif not set(p) <= _ALLOWED:
            raise SemverError("invalid prerelease string")
    for p in meta.split(".") if meta else []:
        if not p or not set(p) <= _ALLOWED:
            raise SemverError("invalid metadata string")
    major = int(m.group(1))
    minor = int(m.group(2)[1:]) if m.group(2) else 0
    patch = int(m.group(3)[1:]) if m.group(3) else 0
    for x in (major, minor, patch):
        if x >= 2**64:
            raise SemverError("error parsing version segment")
    return Version(major, minor, patch, pre, meta)


def _cmp_part(s: str, o: str) -> int:
    if s == o:
        return 0
    if s == "":
        return -1
    if o == "":
        return 1
    sn, on = s.isdigit(), o.isdigit()
    if not sn and not on:
        return 1 if s > o else -1
    if not on:
        return -1
    if not sn:
        return 1
    return 1 if int(s) > int(o) else -1


def _cmp_pre(a: str, b: str) -> int:
    ap, bp = a.split("."), b.split(".")
    for i in range(max(len(ap), len(bp))):
        d = _cmp_part(ap[i] if i < len(ap) else "", bp[i] if i < len(bp) else "")
        if d:
            return d
    return 0


def compare(a: Version, b: Version) -> int:
    for x, y in ((a.major, b.major), (a.minor, b.minor), (a.patch, b.patch)):
        if x != y:
            return -1 if x < y else 1
    if not a.pre and not b.pre:
        return 0
    if not a.pre:
        return 1
    if not b.pre:
        return -1
    return _cmp_pre(a.pre, b.pre)


class _Constraint(NamedTuple):
    op: str
    con: Version
    dirty: bool
    minor_dirty: bool
    patch_dirty: bool


def _is_x(s: str) -> bool:
    return s in ("x", "*", "X")


def _parse_constraint(c: str) -> _Constraint:
    m = _rx()["constraint"].match(c)
    if m is None:
        raise SemverError(f"improper constraint: {c}")
    op, ver = m.group(1), m.group(2)
    g3, g4, g5, g6 = m.group(3) or "", m.group(4) or "", m.group(5) or "", m.group(6) or ""
    minor_dirty = patch_dirty = dirty = False
    if _is_x(g3) or g3 == "":
        ver, dirty = f"0.0.0{g6}", True
    elif _is_x(g4[1:] if g4.startswith(".") else g4) or g4 == "":
        minor_dirty = dirty = True
        ver = f"{g3}.0.0{g6}"
    elif _is_x(g5[1:] if g5.startswith(".") else g5) or g5 == "":
        dirty = patch_dirty = True
        ver = f"{g3}{g4}.0{g6}"
    try:
        con = parse_version(ver)
    except SemverError:
        raise SemverError("constraint parser error") from None
    return _Constraint(op, con, dirty, minor_dirty, patch_dirty)


def _tilde(v: Version, c: _Constraint) -> bool:
    if compare(v, c.con) < 0:
        return False
    k = c.con
    if k.major == 0 and k.minor == 0 and k.patch == 0 and not c.minor_dirty and not c.patch_dirty:
        return True
    if v.major != k.major:
        return False
    return not (v.minor != k.minor and not c.minor_dirty)


def _check(v: Version, c: _Constraint, include_pre: bool) -> bool:
    if v.pre and not include_pre:
        return False
    k = c.con
    op = c.op
    if op in ("", "="):
        return _tilde(v, c) if c.dirty else compare(v, k) == 0
    if op == "!=":
        if c.dirty:
            if k.major != v.major:
                return True
            if k.minor != v.minor and not c.minor_dirty:
                return True
            if c.minor_dirty:
                return False
            if k.patch != v.patch and not c.patch_dirty:
                return True
            if c.patch_dirty:
                if v.pre or k.pre:
                    return _cmp_pre(v.pre, k.pre) != 0
                return False
        return compare(v, k) != 0
    if op == ">":
        if not c.dirty:
            return compare(v, k) == 1
        if v.major > k.major:
            return True
        if v.major < k.major or c.minor_dirty:
            return False
        if c.patch_dirty:
            return v.minor > k.minor
        return compare(v, k) == 1
    if op == "<":
        return compare(v, k) < 0
    if op in (">=", "=>"):
        return compare(v, k) >= 0
    if op in ("<=", "=<"):
        if not c.dirty:
            return compare(v, k) <= 0
        if v.major > k.major:
            return False
        return not (v.major == k.major and v.minor > k.minor and not c.minor_dirty)
    if op in ("~", "~>"):
        return _tilde(v, c)
    if op == "^":
        if compare(v, k) < 0:
            return False
        if k.major > 0 or c.minor_dirty:
            return v.major == k.major
        if k.major == 0 and v.major > 0:
            return False
        if k.minor > 0 or c.patch_dirty:
            return v.minor == k.minor
        if k.minor == 0 and v.minor > 0:
            return False
        return k.patch == v.patch
    raise SemverError(f"improper constraint: {op}")  # pragma: no cover


@functools.lru_cache(maxsize=128)
def parse_constraints(text: str) -> tuple[tuple[tuple[_Constraint, ...], bool], ...]:
    rx = _rx()

    def rewrite(m: re.Match[str]) -> str:
        return f">= {m.group(1)}, <= {m.group(11)} "

    text = rx["range"].sub(rewrite, text)
    out = []
    for part in text.split("||"):
        if not rx["valid"].match(part):
            raise SemverError(f"improper constraint: {part}")
        found = [m.group(0) for m in rx["find"].finditer(part)] or [part]
        cs = tuple(_parse_constraint(s) for s in found)
        out.append((cs, any(c.con.pre for c in cs)))
    return tuple(out)


def semver_compare(constraint: str, version: str) -> bool:
    """sprig's ``semverCompare``: raises :class:`SemverError` with the library's wording."""
    groups = parse_constraints(constraint)
    v = parse_version(version)
    return any(all(_check(v, c, pre) for c in cs) for cs, pre in groups)
