"""Reading values files with Helm's YAML 1.1 (go-yaml v2) resolution, and bounded input."""

from __future__ import annotations

import time
from typing import Any

import pytest

from modelservice import ValuesError
from modelservice.values.yamlfile import MAX_DEPTH, load_yaml, type_name


def one(text: str) -> Any:
    return load_yaml(f"v: {text}\n", "t.yaml")["v"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("y", True),
        ("Y", True),
        ("yes", True),
        ("Yes", True),
        ("YES", True),
        ("on", True),
        ("On", True),
        ("ON", True),
        ("true", True),
        ("True", True),
        ("n", False),
        ("N", False),
        ("no", False),
        ("NO", False),
        ("off", False),
        ("Off", False),
        ("OFF", False),
        ("false", False),
        ("FALSE", False),
    ],
)
def test_yaml11_booleans(text: str, expected: bool) -> None:
    value = one(text)
    assert value is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0777", 511),
        ("012", 10),
        ("0", 0),
        ("42", 42),
        ("-7", -7),
        ("+5", 5),
        ("0x1F", 31),
        ("0b101", 5),
        ("1_000", 1000),
    ],
)
def test_yaml11_integers(text: str, expected: int) -> None:
    value = one(text)
    assert type(value) is int
    assert value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1e3", 1000.0),
        ("1E3", 1000.0),
        ("1.5", 1.5),
        (".5", 0.5),
        ("-2.5e-1", -0.25),
        ("1.0e+3", 1000.0),
    ],
)
def test_yaml11_floats(text: str, expected: float) -> None:
    value = one(text)
    assert type(value) is float
    assert value == expected


def test_yaml11_special_floats() -> None:
    assert one(".inf") == float("inf")
    assert one("-.inf") == float("-inf")
    nan = one(".nan")
    assert nan != nan


@pytest.mark.parametrize("text", ["~", "null", "Null", "NULL", ""])
def test_yaml11_nulls(text: str) -> None:
    assert one(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        "2001-12-14 21:59:43.10 -5",
        "tRUE",
        "yes please",
        "0o17",
        "1.2.3",
        "0x",
        "=",
    ],
)
def test_other_plain_scalars_stay_strings(text: str) -> None:
    assert one(text) == text


def test_explicit_timestamp_tag_stays_string() -> None:
    assert one("!!timestamp 2001-12-14") == "2001-12-14"


def test_quoted_scalars_stay_strings() -> None:
    doc = load_yaml("a: 'yes'\nb: \"0777\"\nc: '1e3'\n", "t.yaml")
    assert doc == {"a": "yes", "b": "0777", "c": "1e3"}


def test_non_string_keys_become_strings() -> None:
    doc = load_yaml("1: a\ntrue: b\nyes: c\n~: d\n2.5: e\n0777: f\n", "t.yaml")
    assert doc == {"1": "a", "true": "c", "null": "d", "2.5": "e", "511": "f"}
    assert all(isinstance(k, str) for k in doc)


def test_nested_non_string_keys_become_strings() -> None:
    doc = load_yaml("a:\n  1: x\n  on: y\n", "t.yaml")
    # go-yaml v2: the key `on` and the value `y` are both booleans.
    assert doc == {"a": {"1": "x", "true": True}}


def test_collection_key_is_an_error() -> None:
    with pytest.raises(ValuesError) as info:
        load_yaml("? [a, b]\n: c\n", "t.yaml")
    assert info.value.problems[0].source == "t.yaml"


def test_merge_keys_and_anchors() -> None:
    doc = load_yaml("base: &b {p: 1, q: 2}\nuse:\n  <<: *b\n  q: 3\n", "t.yaml")
    assert doc["use"] == {"p": 1, "q": 3}


def test_empty_document_is_empty_mapping() -> None:
    assert load_yaml("", "t.yaml") == {}
    assert load_yaml("# only a comment\n", "t.yaml") == {}
    assert load_yaml(b"---\n", "t.yaml") == {}


def test_bom_is_ignored() -> None:
    assert load_yaml("\ufeffa: 1\n".encode(), "t.yaml") == {"a": 1}


@pytest.mark.parametrize(
    ("text", "found"),
    [("- a\n- b\n", "list"), ("just text\n", "string"), ("42\n", "integer")],
)
def test_top_level_must_be_a_mapping(text: str, found: str) -> None:
    with pytest.raises(ValuesError) as info:
        load_yaml(text, "t.yaml")
    p = info.value.problems[0]
    assert p.source == "t.yaml"
    assert f"found {found}" in p.message


def test_several_documents_are_rejected() -> None:
    with pytest.raises(ValuesError) as info:
        load_yaml("a: 1\n---\nb: 2\n", "t.yaml")
    assert "one YAML document" in info.value.problems[0].message


def test_invalid_yaml_names_file_and_line() -> None:
    with pytest.raises(ValuesError) as info:
        load_yaml("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml")
    p = info.value.problems[0]
    assert p.source == "bad.yaml"
    assert p.line is not None and p.line >= 2
    assert p.message.startswith("invalid YAML")


def test_non_utf8_bytes_are_a_clean_error() -> None:
    with pytest.raises(ValuesError) as info:
        load_yaml(b"a: \xff\xfe\x80\n", "bin.yaml")
    p = info.value.problems[0]
    assert p.source == "bin.yaml"
    assert "UTF-8" in p.message
    assert "byte 3" in p.message


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    text = "\n".join(lines) + "\n"
    start = time.monotonic()
    with pytest.raises(ValuesError) as info:
        load_yaml(text, "bomb.yaml")
    assert time.monotonic() - start < 5
    assert "alias bomb" in info.value.problems[0].message


def test_nesting_deeper_than_limit_is_refused() -> None:
    depth = MAX_DEPTH + 5
    text = "a: " + "[" * depth + "]" * depth + "\n"
    with pytest.raises(ValuesError) as info:
        load_yaml(text, "deep.yaml")
    assert info.value.problems[0].source == "deep.yaml"


def test_very_deep_nesting_is_a_clean_error() -> None:
    depth = 50_000
    text = "a: " + "[" * depth + "]" * depth + "\n"
    with pytest.raises(ValuesError):
        load_yaml(text, "deep.yaml")


def test_nesting_within_limit_is_accepted() -> None:
    depth = 50
    doc = load_yaml("a: " + "[" * depth + "]" * depth + "\n", "ok.yaml")
    node = doc["a"]
    for _ in range(depth - 1):
        node = node[0]
    assert node == []


def test_str_input_accepted() -> None:
    assert load_yaml("a: yes\n", "s") == {"a": True}


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "null"),
        (True, "boolean"),
        (1, "integer"),
        (1.5, "number"),
        ("s", "string"),
        ([], "list"),
        ({}, "mapping"),
    ],
)
def test_type_name(value: Any, name: str) -> None:
    assert type_name(value) == name


def test_a_document_read_again_is_a_fresh_copy() -> None:
    """The parse cache hands every caller a tree of its own: editing one (as --set parsing
    and API callers do) changes neither the cache nor another caller's copy, and an alias
    comes back as two maps, not one shared by two keys."""
    text = b"a: &x {k: [1, {d: 2}]}\nb: *x\n"
    first = load_yaml(text, "v.yaml")
    second = load_yaml(text, "v.yaml")
    assert first == second == {"a": {"k": [1, {"d": 2}]}, "b": {"k": [1, {"d": 2}]}}
    second["a"]["k"][1]["d"] = 3
    second["b"]["k"].append(4)
    assert load_yaml(text, "v.yaml") == first
    assert second["a"] is not second["b"]


def test_freeze_takes_only_plain_trees() -> None:
    from modelservice.datatree import freeze, thaw

    tree = {"a": [1, 2.5, True, None, "s", {"b": {}}]}
    frozen = freeze(tree)
    assert frozen is not None and thaw(frozen) == tree and thaw(frozen) is not tree
    assert freeze({"a": (1, 2)}) is None  # tuples would thaw as tuples, not lists
    assert freeze({1: "a"}) is None
    assert freeze({"a": b"x"}) is None
