"""The conformance comparison rules of ../shared/conformance/README.md."""

from __future__ import annotations

from typing import Any

import yaml

IGNORED_LABEL_VALUES = ("helm.sh/chart", "app.kubernetes.io/managed-by")


def parse_docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def key(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = obj.get("metadata") or {}
    return (
        obj.get("apiVersion", ""),
        obj.get("kind", ""),
        meta.get("namespace") or "",
        meta.get("name", ""),
    )


def normalize(value: Any, path: tuple[str, ...] = ()) -> Any:
    """Drop null-valued keys and blank out the label values that are not compared."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if v is None:
                continue
            if len(path) >= 1 and path[-1] == "labels" and k in IGNORED_LABEL_VALUES:
                out[k] = "<ignored>"
                continue
            out[k] = normalize(v, (*path, str(k)))
        return out
    if isinstance(value, list):
        return [normalize(v, path) for v in value]
    return value


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Human-readable differences, type-exact (``"1"`` is not ``1``)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for k in expected.keys() | actual.keys():
            p = f"{path}.{k}" if path else str(k)
            if k not in actual:
                out.append(f"{p}: missing (expected {expected[k]!r})")
            elif k not in expected:
                out.append(f"{p}: unexpected {actual[k]!r}")
            else:
                out += differences(expected[k], actual[k], p)
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [
                f"{path}: list of {len(actual)} items, expected {len(expected)}: "
                f"{actual!r} vs {expected!r}"
            ]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            out += differences(e, a, f"{path}[{i}]")
        return out
    if type(expected) is not type(actual) or expected != actual:
        return [
            f"{path}: {actual!r} ({type(actual).__name__}), expected {expected!r} "
            f"({type(expected).__name__})"
        ]
    return []


def compare(expected_text: str, actual_text: str) -> list[str]:
    expected = {key(d): normalize(d) for d in parse_docs(expected_text)}
    actual_docs = parse_docs(actual_text)
    actual = {key(d): normalize(d) for d in actual_docs}
    problems = []
    if len(actual) != len(actual_docs):
        problems.append("the output holds the same object more than once")
    for k in expected.keys() - actual.keys():
        problems.append(f"missing object {k}")
    for k in actual.keys() - expected.keys():
        problems.append(f"unexpected object {k}")
    for k in expected.keys() & actual.keys():
        problems += [f"{k[1]}/{k[3]}: {d}" for d in differences(expected[k], actual[k])]
    return sorted(problems)
