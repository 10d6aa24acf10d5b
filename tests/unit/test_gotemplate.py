"""The gotemplate engine's API and the choices it makes where Helm gives no single answer
(number typing, refused functions); exactness against Helm is in test_gotemplate_golden
and test_gotemplate_charts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from modelservice import gotemplate as gt
from modelservice.gotemplate._values import Int


def test_tpl_is_render_under_helms_name() -> None:
    data = {"Release": {"Name": "llama"}}
    assert gt.tpl("{{ .Release.Name }}", data, name="v") == gt.render("{{ .Release.Name }}", data)
    with pytest.raises(gt.TemplateError, match=r"template: decode\.args:1:"):
        gt.tpl("{{ .x.y.z }}", {}, name="decode.args")


def test_values_file_numbers_print_as_float64_by_default() -> None:
    data = {"Values": {"n": 1000000, "half": 0.5, "small": 3}}
    assert gt.render("{{ .Values.n }} {{ .Values.half }} {{ .Values.small }}", data) == (
        "1e+06 0.5 3"
    )


def test_set_numbers_print_as_int64_when_asked() -> None:
    assert gt.render("{{ .n }}", {"n": 1000000}, ints="int64") == "1000000"
    assert gt.render("{{ .n }}", {"n": gt.Int64(1000000)}) == "1000000"


def test_ints_choice_decides_comparisons_with_literals() -> None:
    # In Helm `eq .Values.replicas 1` fails for a values-file number (float64 vs int).
    with pytest.raises(
        gt.TemplateError, match="incompatible types for comparison: float64 and int"
    ):
        gt.render("{{ eq .n 1 }}", {"n": 1})
    assert gt.render("{{ eq .n 1 }}", {"n": 1}, ints="int64") == "true"
    assert gt.render("{{ eq .n 1 }}", {"n": gt.Int64(1)}) == "true"


def test_ints_rejects_unknown_choice() -> None:
    with pytest.raises(ValueError, match="ints must be"):
        gt.render("x", {}, ints="int32")  # type: ignore[arg-type]


def test_refused_function_is_named_and_only_refused_when_called() -> None:
    with pytest.raises(gt.TemplateError) as info:
        gt.render("{{ randAlphaNum 5 }}", {})
    assert "the template uses `randAlphaNum`, which modelservice does not evaluate" in str(
        info.value
    )
    # A refused function on a branch not taken costs nothing, as in Helm.
    assert gt.render("{{ if false }}{{ now }}{{ end }}ok", {}) == "ok"


@pytest.mark.parametrize("name", ["now", "uuidv4", "genCA", "randInt", "toToml", "semver"])
def test_each_refused_function_names_itself(name: str) -> None:
    with pytest.raises(gt.TemplateError, match=f"`{name}`"):
        gt.render("{{ " + name + " }}", {})


def test_unknown_function_fails_to_parse_as_in_go() -> None:
    with pytest.raises(gt.TemplateError) as info:
        gt.Template.parse("a\n{{ nosuch 1 }}", "f.yaml")
    e = info.value
    assert e.parse and e.template == "f.yaml" and e.line == 2
    assert str(e) == 'template: f.yaml:2: function "nosuch" not defined'


def test_execution_error_names_template_line_and_byte_column() -> None:
    with pytest.raises(gt.TemplateError) as info:
        gt.render("é: {{ .a.b.c }}", {"a": {}}, name="decode.args[1]")
    e = info.value
    # Go counts columns in bytes ("é" is two) and places a chain at its second field.
    assert (e.template, e.line, e.column) == ("decode.args[1]", 1, 9)
    assert e.message == "nil pointer evaluating interface {}.c"
    assert e.context == ".a.b.c"
    assert str(e) == (
        'template: decode.args[1]:1:9: executing "decode.args[1]" at <.a.b.c>: '
        "nil pointer evaluating interface {}.c"
    )


def test_fail_keeps_the_chart_authors_words() -> None:
    with pytest.raises(gt.TemplateError) as info:
        gt.render('{{ required "routing.servicePort is required" .x }}', {})
    assert info.value.fail_message == "routing.servicePort is required"
    assert info.value.helm_message() == (
        "execution error at (gotpl:1:3): routing.servicePort is required"
    )


def test_tpl_value_strings_maps_and_plain_values() -> None:
    ctx = {"Release": {"Name": "llama"}, "Values": {"port": 8000}}
    assert gt.tpl_value("{{ .Release.Name }}-x", ctx) == "llama-x"
    assert gt.tpl_value("no template", ctx) == "no template"
    assert gt.tpl_value({"b": "{{ .Values.port }}", "a": 1}, ctx) == "a: 1\nb: '8000'"
    assert gt.tpl_value({"b": 2, "a": "x"}, ctx) == "a: x\nb: 2"
    assert gt.tpl_value(["--port", "{{ .Values.port }}"], ctx) == "- --port\n- '8000'"
    assert gt.tpl_value(None, ctx) == "null"
    assert gt.tpl_value(8000, ctx) == "8000"


def test_templates_share_definitions_and_later_files_win() -> None:
    t = gt.Templates()
    t.add('{{ define "name" }}first{{ end }}', "a/_helpers.tpl")
    t.add('{{ define "name" }}second{{ end }}{{ define "other" }}o{{ end }}', "b/_x.tpl")
    t.add('{{ define "other" }}{{ end }}', "c/_empty.tpl")  # empty does not replace
    assert t.render('{{ include "name" . }}-{{ include "other" . }}', {}) == "second-o"
    assert t.has("name") and "a/_helpers.tpl" in t.names()


def test_tpl_definitions_stay_inside_their_text() -> None:
    t = gt.Templates()
    assert t.render('{{ define "x" }}X{{ end }}{{ include "x" . }}', {}) == "X"
    with pytest.raises(gt.TemplateError, match='no template "x"'):
        t.render('{{ include "x" . }}', {})


def test_execute_runs_a_file_and_drops_no_value() -> None:
    t = gt.Templates()
    t.add("a: {{ .missing }}|{{ .x }}", "chart/templates/a.yaml")
    assert t.execute("chart/templates/a.yaml", {"x": 1}) == "a: |1"
    with pytest.raises(gt.TemplateError, match='no template "nope"'):
        t.execute("nope", {})


def test_include_keeps_no_value_until_the_end() -> None:
    # Go's include returns "<no value>"; only the final output drops it.
    assert gt.render('{{ define "t" }}{{ .m }}{{ end }}{{ include "t" . | len }}', {}) == "10"


def test_custom_functions() -> None:
    out = gt.render("{{ shout .s }}", {"s": "hi"}, funcs={"shout": lambda s: s.upper() + "!"})
    assert out == "HI!"


def test_capabilities_methods_and_fields() -> None:
    caps = gt.capabilities("v1.30.2", ["v1", "apps/v1"])
    text = (
        '{{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "x/v1" }}'
        " {{ .Capabilities.KubeVersion.Minor }} {{ .Capabilities.KubeVersion }}"
        ' {{ semverCompare ">=1.28-0" .Capabilities.KubeVersion.Version }}'
    )
    assert gt.render(text, {"Capabilities": caps}) == "true false 30 v1.30.2 true"


def test_set_and_merge_change_the_callers_data_as_in_helm() -> None:
    data = {"Values": {"m": {"a": 1}}}
    gt.render('{{ $_ := set .Values.m "b" 2 }}', data)
    assert data["Values"]["m"] == {"a": 1, "b": 2}


def test_infinite_include_is_an_error_not_a_crash() -> None:
    with pytest.raises(gt.TemplateError, match="nest"):
        gt.render('{{ define "loop" }}{{ include "loop" . }}{{ end }}{{ include "loop" . }}', {})


def test_to_yaml_and_from_yaml_round_trip_with_go_number_types() -> None:
    value = {"port": "8000", "n": 3, "f": 1.5, "ok": "yes", "args": ["--a", "{{ x }}"]}
    text = gt.to_yaml(value)
    assert text == 'args:\n- --a\n- \'{{ x }}\'\nf: 1.5\n"n": 3\nok: "yes"\nport: "8000"'
    back = gt.from_yaml(text)
    assert back == {"port": "8000", "n": 3.0, "f": 1.5, "ok": "yes", "args": ["--a", "{{ x }}"]}
    assert type(back["n"]) is float


def test_int_literals_are_go_ints() -> None:
    assert gt.render("{{ typeOf 3 }} {{ typeOf (add 1 2) }} {{ typeOf .i }}", {"i": Int(1)}) == (
        "int int64 int"
    )


def test_importing_the_package_does_not_load_the_engine() -> None:
    code = (
        "import sys, modelservice.gotemplate as g; "
        "print(sorted(m for m in sys.modules if m.startswith('modelservice.gotemplate.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
