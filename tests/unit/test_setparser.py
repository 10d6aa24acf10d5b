"""Tests for the Helm ``--set`` family parser.

Most expectations come straight from Helm's ``pkg/strvals/parser_test.go`` (the cases a
user's existing command lines rely on); the rest pin Helm behaviour read from
``parser.go`` (typing, escapes, quirks) and the places where we deliberately raise instead
of silently dropping input.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelservice.errors import Problem, SetSyntaxError, ValuesError
from modelservice.values.setparser import (
    MAX_INDEX,
    MAX_NESTED_NAME_LEVEL,
    parse_set,
    parse_set_file,
    parse_set_json,
    parse_set_string,
    typed_value,
)

# --------------------------------------------------------------------------- --set basics

SET_CASES: list[tuple[str, dict[str, Any]]] = [
    ("", {}),
    ("name1=null,f=false,t=true", {"name1": None, "f": False, "t": True}),
    ("name1=value1", {"name1": "value1"}),
    ("name1=value1,name2=value2", {"name1": "value1", "name2": "value2"}),
    ("name1=value1,name2=value2,", {"name1": "value1", "name2": "value2"}),
    ("name1=,name2=value2", {"name1": "", "name2": "value2"}),
    ("name1=", {"name1": ""}),
    ("leading_zeros=00009", {"leading_zeros": "00009"}),
    ("zero_int=0", {"zero_int": 0}),
    ("long_int=1234567890", {"long_int": 1234567890}),
    (
        "name1=one two three,name2=three two one",
        {"name1": "one two three", "name2": "three two one"},
    ),
    ("a=b=c", {"a": "b=c"}),
    ("a=b.c[0]", {"a": "b.c[0]"}),
    ("a=x{y}", {"a": "x{y}"}),
    (" a = b ", {" a ": " b "}),
    ("a=1,a=2", {"a": 2}),
    ("a.b=1,a=2", {"a": 2}),
    ("outer.inner=value", {"outer": {"inner": "value"}}),
    ("outer.middle.inner=value", {"outer": {"middle": {"inner": "value"}}}),
    ("outer.inner1=value,outer.inner2=value2", {"outer": {"inner1": "value", "inner2": "value2"}}),
    (
        "outer.inner1=value,outer.middle.inner=value",
        {"outer": {"inner1": "value", "middle": {"inner": "value"}}},
    ),
    ("name1.name2=", {"name1": {"name2": ""}}),
    ("a.b=null", {"a": {"b": None}}),
]


@pytest.mark.parametrize(("expr", "expected"), SET_CASES)
def test_set_basics(expr: str, expected: dict[str, Any]) -> None:
    assert parse_set(expr) == expected


# --------------------------------------------------------------------------- list literals

LIST_LITERAL_CASES: list[tuple[str, dict[str, Any]]] = [
    ("name1={value1,value2}", {"name1": ["value1", "value2"]}),
    (
        "name1={value1,value2},name2={value1,value2}",
        {"name1": ["value1", "value2"], "name2": ["value1", "value2"]},
    ),
    ("name1={1021,902}", {"name1": [1021, 902]}),
    ("name1.name2={value1,value2}", {"name1": {"name2": ["value1", "value2"]}}),
    ("a={true,007,null,-3,1.5}", {"a": [True, "007", None, -3, "1.5"]}),
    ("a={}", {"a": [""]}),  # Helm converts the one empty element
    ("a={x,}", {"a": ["x", ""]}),
    ("a={ x , y }", {"a": [" x ", " y "]}),
    ("a={x=1.y}", {"a": ["x=1.y"]}),
    ("a={x}b=1", {"a": ["x"], "b": 1}),  # Helm starts the next key right after '}'
    ("list[0]={x,y}", {"list": [["x", "y"]]}),
]


@pytest.mark.parametrize(("expr", "expected"), LIST_LITERAL_CASES)
def test_list_literals(expr: str, expected: dict[str, Any]) -> None:
    assert parse_set(expr) == expected


# --------------------------------------------------------------------------- list indices

INDEX_CASES: list[tuple[str, dict[str, Any]]] = [
    ("list[0]=foo", {"list": ["foo"]}),
    ("list[0].foo=bar", {"list": [{"foo": "bar"}]}),
    ("list[0].foo=bar,list[0].hello=world", {"list": [{"foo": "bar", "hello": "world"}]}),
    ("list[0]=foo,list[1]=bar", {"list": ["foo", "bar"]}),
    ("list[0]=foo,list[1]=bar,", {"list": ["foo", "bar"]}),
    ("list[0]=foo,list[3]=bar", {"list": ["foo", None, None, "bar"]}),
    ("list[2]=x", {"list": [None, None, "x"]}),
    ("noval[0]=", {"noval": [""]}),
    ("nested[0][0]=1", {"nested": [[1]]}),
    ("nested[1][1]=1", {"nested": [None, [None, 1]]}),
    ("nested[0][1][0].x=y", {"nested": [[None, [{"x": "y"}]]]}),
    (
        "name1.name2[0].foo=bar,name1.name2[1].foo=bar",
        {"name1": {"name2": [{"foo": "bar"}, {"foo": "bar"}]}},
    ),
    (
        "name1.name2[1].foo=bar,name1.name2[0].foo=bar",
        {"name1": {"name2": [{"foo": "bar"}, {"foo": "bar"}]}},
    ),
    ("name1.name2[1].foo=bar", {"name1": {"name2": [None, {"foo": "bar"}]}}),
    ("a[0].b[1].c=d", {"a": [{"b": [None, {"c": "d"}]}]}),
    ("a[+1]=x", {"a": [None, "x"]}),  # Go's Atoi takes a sign
    ("a[-0]=x", {"a": ["x"]}),
    ("a[007]=x", {"a": [None] * 7 + ["x"]}),
    ("a[0]=1,a[0].b=2", {"a": [{"b": 2}]}),  # Helm replaces a non-map element by a map
    ("a[1]=x,a[0]=y", {"a": ["y", "x"]}),
]


@pytest.mark.parametrize(("expr", "expected"), INDEX_CASES)
def test_list_indices(expr: str, expected: dict[str, Any]) -> None:
    assert parse_set(expr) == expected


def test_max_index_is_allowed_and_fills_with_none() -> None:
    got = parse_set(f"a[{MAX_INDEX}]=x")
    assert len(got["a"]) == MAX_INDEX + 1
    assert got["a"][-1] == "x"
    assert got["a"][:-1] == [None] * MAX_INDEX


# --------------------------------------------------------------------------- escapes

ESCAPE_CASES: list[tuple[str, dict[str, Any]]] = [
    ("name1=one\\,two,name2=three\\,four", {"name1": "one,two", "name2": "three,four"}),
    ("name1=one\\=two,name2=three\\=four", {"name1": "one=two", "name2": "three=four"}),
    ("a\\.b=c", {"a.b": "c"}),
    ("a\\=b=c", {"a=b": "c"}),
    ("a\\,b=c", {"a,b": "c"}),
    ("a\\[0]=1", {"a[0]": 1}),
    ("a[\\1]=x", {"a": [None, "x"]}),
    ("a=\\{x\\,y\\}", {"a": "{x,y}"}),
    ("a=\\\\", {"a": "\\"}),
    ("a=x\\ny", {"a": "xny"}),  # any escaped character is itself; no C escapes
    ("a={x\\,y,z\\}}", {"a": ["x,y", "z}"]}),
    ("a=b\\", {"a": "b"}),  # Helm drops a trailing lone backslash
    ("a=\\true", {"a": True}),  # escapes are resolved before typing
    ("a=1,\\", {"a": 1}),
]


@pytest.mark.parametrize(("expr", "expected"), ESCAPE_CASES)
def test_escapes(expr: str, expected: dict[str, Any]) -> None:
    assert parse_set(expr) == expected


# --------------------------------------------------------------------------- typing

TYPED: list[tuple[str, Any]] = [
    ("true", True),
    ("TRUE", True),
    ("True", True),
    ("tRuE", True),
    ("false", False),
    ("False", False),
    ("FALSE", False),
    ("fal\u017fe", False),  # Go's EqualFold folds LONG S to s
    ("null", None),
    ("NULL", None),
    ("Null", None),
    ("0", 0),
    ("1", 1),
    ("-5", -5),
    ("+5", 5),
    ("-0", 0),
    ("+0", 0),
    ("-007", -7),
    ("+010", 10),  # only a first character '0' blocks ParseInt
    ("9223372036854775807", 2**63 - 1),
    ("-9223372036854775808", -(2**63)),
    ("9223372036854775808", "9223372036854775808"),
    ("-9223372036854775809", "-9223372036854775809"),
    ("1" * 5000, "1" * 5000),
    ("00", "00"),
    ("007", "007"),
    ("0x10", "0x10"),
    ("0.5", "0.5"),
    ("1.5", "1.5"),
    ("1e3", "1e3"),
    ("1_000", "1_000"),
    ("\u0661\u0662", "\u0661\u0662"),
    (" 5", " 5"),
    ("5 ", "5 "),
    ("-", "-"),
    ("+", "+"),
    ("", ""),
    ("yes", "yes"),
    ("no", "no"),
    ("on", "on"),
    ("~", "~"),
    ("nil", "nil"),
    ("tru", "tru"),
    ("truee", "truee"),
    ("inf", "inf"),
    ("NaN", "NaN"),
]


@pytest.mark.parametrize(("raw", "expected"), TYPED)
def test_typed_value_table(raw: str, expected: Any) -> None:
    got = typed_value(raw)
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize(("raw", "expected"), TYPED)
def test_set_types_values_like_typed_value(raw: str, expected: Any) -> None:
    got = parse_set("k=" + raw.replace("\\", "\\\\").replace(",", "\\,"))["k"]
    assert got == expected
    assert type(got) is type(expected)


# --------------------------------------------------------------------------- --set-string


def test_set_string_never_converts() -> None:
    assert parse_set_string("a=true,b=0,c=null,d=1234567890,e={1,false},f=") == {
        "a": "true",
        "b": "0",
        "c": "null",
        "d": "1234567890",
        "e": ["1", "false"],
        "f": "",
    }


def test_set_string_into_keeps_siblings() -> None:  # Helm's TestParseIntoString
    got: dict[str, Any] = {"outer": {"inner1": "overwrite", "inner2": "value2"}}
    parse_set_string("outer.inner1=1,outer.inner3=3", got)
    assert got == {"outer": {"inner1": "1", "inner2": "value2", "inner3": "3"}}


def test_set_string_same_syntax_as_set() -> None:
    assert parse_set_string("a[1].b\\.c=x\\,y,d.e=f") == {
        "a": [None, {"b.c": "x,y"}],
        "d": {"e": "f"},
    }


# --------------------------------------------------------------------------- --set-json


def test_set_json_scalars_replace_existing_key() -> None:
    got: dict[str, Any] = {"outer": {"inner1": "overwrite", "inner2": "value2"}}
    parse_set_json('outer.inner1="1",outer.inner3=3,outer.inner4=true,outer.inner5="true"', got)
    assert got == {
        "outer": {
            "inner1": "1",
            "inner2": "value2",
            "inner3": 3,
            "inner4": True,
            "inner5": "true",
        }
    }


def test_set_json_objects_and_arrays() -> None:
    got: dict[str, Any] = {
        "outer": {"inner1": {"x": "overwrite"}, "inner2": "value2", "inner3": ["overwrite"]},
    }
    parse_set_json(
        'outer.inner1={"a":"1","b":2,"c":[1,2,3]},outer.inner3=["new value 1","new value 2"],'
        'outer.inner4={"aa":"1","bb":2,"cc":[1,2,3]},outer.inner5=[{"A":"1","B":2,"C":[1,2,3]}]',
        got,
    )
    assert got == {
        "outer": {
            "inner1": {"a": "1", "b": 2, "c": [1, 2, 3]},
            "inner2": "value2",
            "inner3": ["new value 1", "new value 2"],
            "inner4": {"aa": "1", "bb": 2, "cc": [1, 2, 3]},
            "inner5": [{"A": "1", "B": 2, "C": [1, 2, 3]}],
        }
    }


def test_set_json_empty_is_null_and_index_into_json_list() -> None:
    got: dict[str, Any] = {"outer": {"inner1": {"x": "overwrite"}, "inner2": "value2"}}
    parse_set_json(
        'outer.inner1=,outer.inner3={"aa":"1","bb":2,"cc":[1,2,3]},outer.inner3.cc[1]=null', got
    )
    assert got == {
        "outer": {
            "inner1": None,
            "inner2": "value2",
            "inner3": {"aa": "1", "bb": 2, "cc": [1, None, 3]},
        }
    }


JSON_CASES: list[tuple[str, dict[str, Any]]] = [
    ("a=1.5,b=-2,c=1e3", {"a": 1.5, "b": -2, "c": 1000.0}),
    ('a="x,y",b=[1,"2"]', {"a": "x,y", "b": [1, "2"]}),
    ("a=", {"a": None}),
    ("a=  ,b=1", {"a": None, "b": 1}),
    ("a = 1 , b=2", {"a ": 1, " b": 2}),  # spaces after the comma belong to the key
    ("a=1b=2", {"a": 1, "b": 2}),  # Helm reads the next key right after the JSON value
    ('list[1]={"x":1}', {"list": [None, {"x": 1}]}),
    ('a.b={"c":{"d":[null]}}', {"a": {"b": {"c": {"d": [None]}}}}),
]


@pytest.mark.parametrize(("expr", "expected"), JSON_CASES)
def test_set_json_values(expr: str, expected: dict[str, Any]) -> None:
    got = parse_set_json(expr)
    assert got == expected
    assert [type(v) for v in got.values()] == [type(v) for v in expected.values()]


@pytest.mark.parametrize(
    "expr",
    [
        # Helm's own syntax-error case: an unbalanced ']' after the last object.
        'outer.inner1={"a":"1"},outer.inner5={"A":"1","B":2,"C":[1,2,3]}]',
        "a=tru",
        "a=NaN",
        "a=Infinity",
        "a=-Infinity",
        "a=1e400",
        "a={",
        "a='x'",
        "a=[1,]",
    ],
)
def test_set_json_invalid_values(expr: str) -> None:
    with pytest.raises(SetSyntaxError) as info:
        parse_set_json(expr, source="--set-json")
    problem = info.value.problems[0]
    assert problem.source == "--set-json"
    assert "--set-json" in problem.message


def test_set_json_deeply_nested_value_is_a_syntax_error() -> None:
    with pytest.raises(SetSyntaxError):
        parse_set_json("a=" + "[" * 200_000 + "]" * 200_000)


# --------------------------------------------------------------------------- --set-file

FILES = {"p1": "value1", "p2": "line1\nline2\n", "dir/x,y": "comma"}


def fake_read(path: str) -> str:
    if path not in FILES:
        raise FileNotFoundError(2, "No such file or directory", path)
    return FILES[path]


def test_set_file_reads_each_path() -> None:
    assert parse_set_file("name1=p1,b.c=p2", fake_read) == {
        "name1": "value1",
        "b": {"c": "line1\nline2\n"},
    }


def test_set_file_keeps_content_as_string_and_unescapes_path() -> None:
    files = {"true": "true", "0": "0"}
    assert parse_set_file("a=true,b=0", files.__getitem__) == {"a": "true", "b": "0"}
    assert parse_set_file("a=dir/x\\,y", fake_read) == {"a": "comma"}


def test_set_file_list_literal_reads_each_element() -> None:
    assert parse_set_file("a={p1,p2},b[1]=p1", fake_read) == {
        "a": ["value1", "line1\nline2\n"],
        "b": [None, "value1"],
    }


def test_set_file_empty_value_at_end_reads_nothing() -> None:
    calls: list[str] = []

    def read(path: str) -> str:
        calls.append(path)
        return "x"

    assert parse_set_file("a=", read) == {"a": ""}
    assert calls == []


def test_set_file_unreadable_names_the_key() -> None:
    with pytest.raises(SetSyntaxError) as info:
        parse_set_file("x.y=missing", fake_read, source="--set-file x.y=missing")
    problem = info.value.problems[0]
    assert problem.path == "x.y"
    assert "missing" in problem.message
    assert problem.source == "--set-file x.y=missing"


def test_set_file_reader_errors_of_this_package_pass_through() -> None:
    def read(path: str) -> str:
        raise ValuesError(Problem("", f"cannot read {path}"))

    with pytest.raises(ValuesError) as info:
        parse_set_file("a=p", read)
    assert type(info.value) is ValuesError
    assert info.value.problems == [Problem("", "cannot read p")]


# --------------------------------------------------------------------------- merging (into)


def test_into_overwrites_and_keeps_siblings() -> None:  # Helm's TestParseInto, case 1
    got: dict[str, Any] = {"outer": {"inner1": "overwrite", "inner2": "value2"}}
    result = parse_set("outer.inner1=value1,outer.inner3=value3,outer.inner4=4", got)
    assert result is got
    assert got == {
        "outer": {
            "inner1": "value1",
            "inner2": "value2",
            "inner3": "value3",
            "inner4": 4,
        }
    }


@pytest.mark.parametrize(
    ("initial", "first", "second", "expected"),
    [
        (
            {},
            "listOuter[0][0].type=listValue",
            "listOuter[0][0].status=alive",
            {"listOuter": [[{"type": "listValue", "status": "alive"}]]},
        ),
        (
            {},
            "listOuter[0][0].type=listValue",
            "listOuter[1][0].status=alive",
            {"listOuter": [[{"type": "listValue"}], [{"status": "alive"}]]},
        ),
        (
            {"listOuter": [[[{"exited": "old"}]]]},
            "listOuter[0][1][0].type=listValue",
            "listOuter[0][0][1].status=alive",
            {"listOuter": [[[{"exited": "old"}, {"status": "alive"}], [{"type": "listValue"}]]]},
        ),
        ({}, "a=1", "a=2", {"a": 2}),
        ({}, "a.b=1", "a=x", {"a": "x"}),
        ({}, "a={x,y,z}", "a[1]=Y", {"a": ["x", "Y", "z"]}),
        ({}, "a[0].name=n", "a[0].port=80", {"a": [{"name": "n", "port": 80}]}),
        ({}, "a.b=1", "a.b=null", {"a": {"b": None}}),
    ],
)
def test_several_flags_into_one_map(
    initial: dict[str, Any], first: str, second: str, expected: dict[str, Any]
) -> None:
    got = copy.deepcopy(initial)
    parse_set(first, got)
    parse_set(second, got)
    assert got == expected


def test_flavours_share_one_map() -> None:
    got: dict[str, Any] = {}
    parse_set_json('a={"b":[1,2]}', got)
    parse_set("a.b[2]=3,a.c=true", got)
    parse_set_string("a.d=true", got)
    parse_set_file("a.e=p1", fake_read, got)
    assert got == {"a": {"b": [1, 2, 3], "c": True, "d": "true", "e": "value1"}}


def test_into_is_untouched_when_the_expression_fails() -> None:
    got: dict[str, Any] = {"keep": {"x": 1}, "a": "scalar"}
    before = copy.deepcopy(got)
    with pytest.raises(SetSyntaxError):
        parse_set("keep.y=2,new=1,a.b=3", got)
    assert got == before


def test_without_into_a_new_dict_is_returned() -> None:
    first = parse_set("a=1")
    second = parse_set("a=1")
    assert first == second == {"a": 1}
    assert first is not second


# --------------------------------------------------------------------------- errors

ERROR_CASES: list[tuple[str, str]] = [
    # (expression, path the problem must name)
    ("name1,name2=", "name1"),
    ("name1,name2=value2", "name1"),
    ("name1,name2=value2\\", "name1"),
    ("name1,name2", "name1"),
    ("name1", "name1"),
    ("name1.name2", "name1.name2"),
    ("name1.name2,name1.name3", "name1.name2"),
    ("name1.=name2", "name1"),
    ("name1.,name2", "name1"),
    ("a.", "a"),
    ("a..b=x", "a"),
    ("=x", ""),
    (".a=x", ""),
    ("[0]=x", ""),
    ("name1=value1,,,,name2=value2,", ""),
    (",a=1", ""),
    (",", ""),
    ("name1={1021,902", "name1"),
    ("a={x\\}", "a"),
    ("list[0].foo=bar,list[-30].hello=world", "list"),
    ("list[0]=foo,list[-20]=bar", "list"),
    (f"a[{MAX_INDEX + 1}]=x", "a"),
    ("a[99999999999999999999999999]=x", "a"),
    ("a[x]=1", "a"),
    ("a[]=1", "a"),
    ("a[ 1]=1", "a"),
    ("a[1_0]=1", "a"),
    ("a[0", "a"),
    ("a.b[0", "a.b"),
    ("a[0]x=1", "a[0]"),
    ("a[0],b=1", "a[0]"),
    ("illegal[0]name.foo=bar", "illegal[0]"),
    ("noval[0]", "noval[0]"),
    ("a[0][1]", "a[0][1]"),
    ("a[0].", "a[0]"),
    ("a=1,a.b=2", "a"),
    ("a=1,a[0]=2", "a"),
    ("a={x},a.b=1", "a"),
    ("a=null,a.b=c", "a"),
    ("a.b=1,a[0]=2", "a"),
    ("a[0]=1,a[0][0]=2", "a[0]"),
    ("]={}].", "]"),
]


@pytest.mark.parametrize(("expr", "path"), ERROR_CASES)
def test_errors_name_the_key(expr: str, path: str) -> None:
    with pytest.raises(SetSyntaxError) as info:
        parse_set(expr, source="values flag 3")
    assert len(info.value.problems) == 1
    problem = info.value.problems[0]
    assert problem.path == path
    assert problem.source == "values flag 3"
    assert repr(expr) in problem.message or "..." in problem.message
    assert "expected" in problem.message


def test_error_messages_say_what_and_the_expected_form() -> None:
    with pytest.raises(SetSyntaxError) as info:
        parse_set("image.tag")
    assert str(info.value) == (
        "image.tag: key 'image.tag' has no value in --set 'image.tag'; expected KEY=VALUE"
    )
    with pytest.raises(SetSyntaxError) as info:
        parse_set_string(f"a[{MAX_INDEX + 1}]=x", source="cli")
    assert str(info.value) == (
        "a: list index 65537 is greater than the maximum of 65536 in --set-string "
        "'a[65537]=x'; expected an index from 0 to 65536 (cli)"
    )


def test_type_conflict_with_into_is_an_error() -> None:
    # Helm fails (a recovered panic) when --set a.b=2 meets an earlier --set a=1.
    got: dict[str, Any] = {"a": 1}
    with pytest.raises(SetSyntaxError) as info:
        parse_set("a.b=2", got)
    assert info.value.problems[0].path == "a"
    assert "integer" in info.value.problems[0].message
    assert got == {"a": 1}


def test_nested_name_levels_limit() -> None:
    deepest = ".".join(f"n{i}" for i in range(MAX_NESTED_NAME_LEVEL + 1))  # 30 dots
    got = parse_set(deepest + "=v")
    for i in range(MAX_NESTED_NAME_LEVEL):
        got = got[f"n{i}"]
    assert got == {f"n{MAX_NESTED_NAME_LEVEL}": "v"}
    too_deep = ".".join(f"n{i}" for i in range(MAX_NESTED_NAME_LEVEL + 2))  # 31 dots
    with pytest.raises(SetSyntaxError) as info:
        parse_set(too_deep + "=v")
    assert info.value.problems[0].path.count(".") == MAX_NESTED_NAME_LEVEL


def test_dots_after_an_index_do_not_count_towards_the_limit() -> None:
    expr = "a" + "[0].a" * (MAX_NESTED_NAME_LEVEL + 5) + "=v"
    got: Any = parse_set(expr)
    for _ in range(MAX_NESTED_NAME_LEVEL + 5):
        got = got["a"][0]
    assert got == {"a": "v"}


def test_long_inputs_do_not_recurse() -> None:
    depth = 20_000
    got: Any = parse_set("a" + "[0]" * depth + "=1")["a"]
    for _ in range(depth - 1):
        assert isinstance(got, list)
        assert len(got) == 1
        got = got[0]
    assert got == [1]
    many = ",".join(f"k{i}={i}" for i in range(20_000))
    assert parse_set(many)["k19999"] == 19999
    assert parse_set("k=" + "x" * 200_000)["k"] == "x" * 200_000


def test_long_expression_is_shortened_in_the_message() -> None:
    with pytest.raises(SetSyntaxError) as info:
        parse_set("k" * 10_000)
    assert len(info.value.problems[0].message) < 12_000
    assert "..." in info.value.problems[0].message


# --------------------------------------------------------------------------- properties

_SPECIAL = [*"=.,[]{}\\ \"':0123456789-+abnlrtuex", "true", "null", "[0]", "\u017f"]
_fuzz_text = st.lists(st.one_of(st.sampled_from(_SPECIAL), st.characters()), max_size=40).map(
    "".join
)


@settings(max_examples=400, deadline=None)
@given(_fuzz_text)
def test_any_text_gives_a_dict_or_set_syntax_error(text: str) -> None:
    parsers = [
        parse_set,
        parse_set_string,
        parse_set_json,
        lambda e, into=None: parse_set_file(e, lambda p: f"<{p}>", into),
    ]
    for parse in parsers:
        try:
            got = parse(text)
        except SetSyntaxError as exc:
            assert len(exc.problems) == 1
            assert exc.problems[0].message
        else:
            assert isinstance(got, dict)


@settings(max_examples=200, deadline=None)
@given(_fuzz_text, _fuzz_text)
def test_into_changes_only_on_success(first: str, second: str) -> None:
    try:
        into = parse_set(first)
    except SetSyntaxError:
        into = {"a": {"b": [1, {"c": "d"}]}}
    before = copy.deepcopy(into)
    try:
        parse_set(second, into)
    except SetSyntaxError:
        assert into == before


def _escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\,={}.[]" else ch for ch in text)


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1), st.text())
def test_escaping_round_trips_keys_and_values(key: str, value: str) -> None:
    expr = f"{_escape(key)}={_escape(value)}"
    assert parse_set_string(expr) == {key: value}
    assert parse_set(expr) == {key: typed_value(value)}


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_every_int64_is_typed_as_int(number: int) -> None:
    assert parse_set(f"n={number}") == {"n": number}
    assert parse_set_string(f"n={number}") == {"n": str(number)}


@given(st.integers(min_value=2**63))
def test_beyond_int64_stays_a_string(number: int) -> None:
    assert parse_set(f"n={number},m=-{number + 1}") == {"n": str(number), "m": f"-{number + 1}"}
