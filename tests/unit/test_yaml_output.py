"""The fast YAML writer writes exactly what PyYAML writes (or hands the document to it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import modelservice
from modelservice.output import yaml as out
from tests.unit.helpers import CASES_DIR, REPO_ROOT

_CASES = sorted(p for p in CASES_DIR.iterdir() if (p / "expected.yaml").is_file())


@pytest.mark.parametrize("case_dir", _CASES, ids=[p.name for p in _CASES])
def test_every_conformance_rendering_is_written_as_pyyaml_writes_it(case_dir: Path) -> None:
    case = yaml.safe_load((case_dir / "case.yaml").read_text())
    files = [str(case_dir / f) for f in case.get("values", ["values.yaml"])]
    values = modelservice.load_values(files, case.get("set", []))
    for obj in modelservice.render(values, release=case["release"], namespace=case["namespace"]):
        assert out.dump(obj) == out.pyyaml_dump(obj)


def test_the_examples_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path is the one taken for real releases (not every document falling back)."""
    calls: list[Any] = []
    monkeypatch.setattr(out, "pyyaml_dump", lambda obj: calls.append(obj) or "")
    for example in sorted((REPO_ROOT / "examples").glob("*.yaml")):
        for obj in modelservice.render(modelservice.load_values([str(example)]), release="x"):
            out.dump(obj)
    assert calls == []


# Strings meant to hit every rule: indicators, YAML 1.1 look-alikes, quotes, spaces.
_TRICKY = st.sampled_from(
    [
        "",
        " ",
        "-",
        "- x",
        "-x",
        "--port",
        "?",
        "? x",
        ":",
        ":x",
        "a:",
        "a: b",
        "a:b",
        "#",
        "a #b",
        "a#b",
        "'",
        "'a'",
        '"',
        'a"b',
        "{",
        "{a}",
        "[a]",
        "a,b",
        "&a",
        "*a",
        "!a",
        "|",
        ">",
        "%",
        "@",
        "`",
        "---",
        "...",
        "--",
        "..",
        "~",
        "null",
        "Null",
        "NULL",
        "true",
        "True",
        "yes",
        "no",
        "on",
        "off",
        "y",
        "n",
        "Y",
        "N",
        "0",
        "007",
        "0x1F",
        "0o7",
        "0b101",
        "1_000",
        "1e3",
        "1.5",
        ".5",
        "1.",
        ".inf",
        "-.inf",
        ".nan",
        "+1",
        "-1",
        "1:20",
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        "<<",
        "=",
        "a b",
        " a",
        "a ",
        "8200",
        "16Gi",
        "nvidia.com/gpu",
        "a'b",
        "it's",
        "\\",
        "a\\b",
        "x=1",
        "/health",
    ]
)
_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=12)
_SCALARS = (
    _TRICKY
    | _TEXT
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.booleans()
    | st.none()
    | st.text(max_size=5)  # any Unicode, line breaks too: PyYAML's part
)
_TREES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_TRICKY | _TEXT, children, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_TRICKY | _TEXT, _TREES, min_size=1, max_size=5))
def test_any_document_is_written_as_pyyaml_writes_it(doc: dict[str, Any]) -> None:
    assert out.dump(doc) == out.pyyaml_dump(doc)
