"""The defaults document is the one source of every default of the default mode."""

from __future__ import annotations

from typing import Any

import pytest

from modelservice import ValuesError, load_values, render_release
from modelservice.values.layering import default_values
from modelservice.values.schema import values_schema


def _scalars(doc: Any, path: str = "") -> list[tuple[str, Any]]:
    out = []
    for key, value in doc.items():
        p = f"{path}.{key}" if path else key
        if isinstance(value, dict):
            out += _scalars(value, p)
        elif value is not None and not isinstance(value, list):
            out.append((p, value))
    return out


def _schema_at(path: str) -> dict[str, Any]:
    root: dict[str, Any] = values_schema()
    node = root
    for part in path.split("."):
        while "$ref" in node and "properties" not in node:
            node = root["$defs"][node["$ref"].rsplit("/", 1)[1]]
        node = node["properties"][part]
    return node


@pytest.mark.parametrize(("path", "value"), _scalars(default_values()))
def test_schema_defaults_come_from_the_defaults_document(path: str, value: Any) -> None:
    assert _schema_at(path).get("default") == value


def test_null_removing_a_needed_default_is_an_error_not_a_silent_fallback() -> None:
    with pytest.raises(ValuesError) as err:
        render_release(load_values(sets=["routing.servicePort=null"]), release="r")
    (problem,) = [p for p in err.value.problems if p.path == "routing.servicePort"]
    assert "8000" in problem.message and "null" in problem.message


def test_extension_defaults_are_in_the_document() -> None:
    proxy = default_values()["routing"]["proxy"]
    assert proxy["connector"] == "nixlv2" and proxy["enabled"] is True
    objs = render_release(load_values(), release="r").objects
    decode = next(o for o in objs if o["metadata"]["name"] == "r-llm-d-modelservice-decode")
    proxy_args = decode["spec"]["template"]["spec"]["initContainers"][0]["args"]
    assert "--connector=nixlv2" in proxy_args


def test_changing_a_default_changes_the_render() -> None:
    objs = render_release(
        load_values(sets=["routing.proxy.connector=lmcache"]), release="r"
    ).objects
    decode = next(o for o in objs if o["metadata"]["name"] == "r-llm-d-modelservice-decode")
    assert "--connector=lmcache" in decode["spec"]["template"]["spec"]["initContainers"][0]["args"]


def test_the_defaults_pass_the_schema() -> None:
    # The validator checks only what the user wrote, on the strength of this.
    from modelservice.values.schema import iter_schema_problems

    assert list(iter_schema_problems(default_values())) == []
