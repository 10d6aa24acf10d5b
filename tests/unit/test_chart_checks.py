"""Values checks for an upstream chart release: helm's schema verdict, and unread keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from modelservice.charts.keys import has_schema, keys
from modelservice.charts.versions import RELEASES, ChartVersion
from modelservice.errors import Problem
from modelservice.values.chart_checks import ChartProblems, _validate, check
from modelservice.values.layering import from_user, load_values
from tests.unit.helpers import SHARED

VERSIONS = SHARED / "conformance" / "versions"


def run(
    tmp_path: Path,
    version: str,
    text: str,
    *,
    sets: tuple[str, ...] = (),
    skip_schema: bool = False,
) -> ChartProblems:
    f = tmp_path / "values.yaml"
    f.write_text(text)
    values = load_values(files=[f], sets=sets, chart_version=version)
    assert values.chart is not None
    return check(values, values.chart, skip_schema=skip_schema)


def by_path(problems: list[Problem]) -> dict[str, Problem]:
    return {p.path: p for p in problems}


def test_a_key_of_a_later_release_is_a_warning_with_the_release_that_added_it(
    tmp_path: Path,
) -> None:
    found = run(tmp_path, "0.2.7", "modelArtifacts:\n  uri: hf://a/b\n  labels:\n    a: b\n")
    assert found.errors == []
    assert found.warnings == [
        Problem(
            "modelArtifacts.labels",
            "is not read by chart 0.2.7 and has no effect; added in chart 0.3.0; this render "
            "uses 0.2.7 (--chart-version)",
            str(tmp_path / "values.yaml"),
            3,
        )
    ]


def test_a_misspelt_key_under_an_open_map_is_a_warning_with_did_you_mean(tmp_path: Path) -> None:
    found = run(tmp_path, "0.4.12", "decode:\n  replicsa: 2\n")
    assert found.errors == []
    (warning,) = found.warnings
    assert warning.path == "decode.replicsa"
    assert warning.message == (
        "is not read by chart 0.4.12 and has no effect (did you mean 'replicas'?)"
    )
    assert warning.line == 2


def test_a_closed_map_refuses_unknown_keys_with_did_you_mean_and_what_is_allowed(
    tmp_path: Path,
) -> None:
    text = "decode:\n  containers:\n  - name: vllm\n    image: x\n    mountModelVolumes: true\n"
    found = run(tmp_path, "0.2.8", text)
    (error,) = found.errors
    assert error.path == "decode.containers[0].mountModelVolumes"
    assert error.message.startswith(
        "unknown key for chart 0.2.8; did you mean 'mountModelVolume'? (allowed here: args, "
        "command, env, image, imagePullPolicy, modelCommand, mountModelVolume, name, ports, "
        "resources, volumeMounts)"
    )
    assert error.line == 5
    assert found.warnings == []  # refused already: no second message for the same key
    # The next release opens containers: the same key is accepted and only warned about.
    later = run(tmp_path, "0.2.9", text)
    assert later.errors == []
    assert [w.path for w in later.warnings] == ["decode.containers[0].mountModelVolumes"]


def test_a_key_the_schema_refuses_but_the_templates_read_says_how_to_render_it(
    tmp_path: Path,
) -> None:
    text = "decode:\n  containers:\n  - name: vllm\n    image: x\n    livenessProbe: {}\n"
    (error,) = run(tmp_path, "0.2.8", text).errors
    assert error.message == (
        "not allowed by chart 0.2.8's values schema, although its templates read it; helm "
        "refuses it (render it anyway with --skip-schema-validation)"
    )
    skipped = run(tmp_path, "0.2.8", text, skip_schema=True)
    assert skipped == ChartProblems([], [])  # read: no warning either


def test_skip_schema_validation_turns_refusals_of_unread_keys_into_warnings(
    tmp_path: Path,
) -> None:
    text = "routing:\n  epp:\n    create: false\n"
    strict = run(tmp_path, "0.4.12", text)
    assert [e.path for e in strict.errors] == ["routing.epp"]
    assert strict.errors[0].message == (
        "unknown key for chart 0.4.12 (allowed here: proxy, servicePort); removed in chart "
        "0.3.0 (read until 0.2.16); this render uses 0.4.12 (--chart-version)"
    )
    skipped = run(tmp_path, "0.4.12", text, skip_schema=True)
    assert skipped.errors == []
    assert [w.path for w in skipped.warnings] == ["routing.epp"]
    assert "removed in chart 0.3.0" in skipped.warnings[0].message


def test_types_as_json_schema_has_them(tmp_path: Path) -> None:
    assert run(tmp_path, "0.3.0", "decode:\n  replicas: 2.0\n").errors == []
    (error,) = run(tmp_path, "0.3.0", "decode:\n  replicas: 2.5\n").errors
    assert (error.path, error.message) == (
        "decode.replicas",
        "must be an integer, got number 2.5 (chart 0.3.0's values schema)",
    )
    (error,) = run(tmp_path, "0.3.0", "multinode: 'true'\n").errors
    assert error.message == (
        "must be a boolean (true or false), got string 'true' (chart 0.3.0's values schema)"
    )
    # A key the schema leaves untyped takes anything.
    assert run(tmp_path, "0.3.0", "routing:\n  servicePort: eighty\n").errors == []


def test_several_types_and_enums(tmp_path: Path) -> None:
    text = "routing:\n  proxy:\n    zapEncoder: jsn\n    zapLogLevel: true\n"
    found = by_path(run(tmp_path, "0.3.8", text).errors)
    assert found["routing.proxy.zapEncoder"].message == (
        "string 'jsn' is not allowed; must be one of json, console (chart 0.3.8's values "
        "schema); did you mean 'json'?"
    )
    assert found["routing.proxy.zapLogLevel"].message == (
        "must be a string or an integer, got boolean True (chart 0.3.8's values schema)"
    )
    assert run(tmp_path, "0.3.8", "routing:\n  proxy:\n    zapLogLevel: 3\n").errors == []


def test_required_keys_of_list_items(tmp_path: Path) -> None:
    text = "decode:\n  resourceClaims:\n  - name: gpu\n"
    (error,) = run(tmp_path, "0.4.0", text).errors
    assert error.path == "decode.resourceClaims[0].resourceClaimTemplateName"
    assert error.message == "required by chart 0.4.0's values schema"
    assert error.line == 3  # the item, the nearest place that exists


def test_an_upstream_quirk_is_enforced_as_helm_enforces_it(tmp_path: Path) -> None:
    """0.3.7 closes nodeSelector without declaring a key: any entry is refused."""
    (error,) = run(tmp_path, "0.3.7", "decode:\n  nodeSelector:\n    a: b\n").errors
    assert error.path == "decode.nodeSelector.a"
    assert "chart 0.3.7's values schema allows no keys here" in error.message
    assert run(tmp_path, "0.3.12", "decode:\n  nodeSelector:\n    a: b\n").errors == []


def test_nulls(tmp_path: Path) -> None:
    # A null deletes a default, or sets nothing: never "not read".
    assert run(tmp_path, "0.4.12", "decode:\n  replicas: null\n  foo: null\n") == ChartProblems(
        [], []
    )
    # Helm still sees a null key below a closed map, and refuses it.
    (error,) = run(tmp_path, "0.4.12", "routing:\n  foo: null\n").errors
    assert error.path == "routing.foo"


def test_keys_read_under_any_name_are_not_warned(tmp_path: Path) -> None:
    text = "accelerator:\n  resources:\n    my-npu: example.com/npu\n"
    assert run(tmp_path, "0.4.8", text, skip_schema=True) == ChartProblems([], [])
    # ... though the closed map of the schema refuses a name it does not declare.
    (error,) = run(tmp_path, "0.4.8", text).errors
    assert error.path == "accelerator.resources.my-npu"
    assert "allowed here: amd, google, intel-gaudi, intel-i915, intel-xe, nvidia" in (error.message)


def test_keys_that_values_templates_refer_to_are_read(tmp_path: Path) -> None:
    text = (
        "myModel: llama\n"
        "decode:\n  containers:\n  - name: vllm\n    image: x\n"
        "    args: ['--served-model-name', '{{ .Values.myModel }}']\n"
    )
    assert run(tmp_path, "0.4.12", text).warnings == []
    assert [w.path for w in run(tmp_path, "0.4.12", "myModel: llama\n").warnings] == ["myModel"]


def test_a_set_flag_is_named_as_the_source(tmp_path: Path) -> None:
    found = run(tmp_path, "0.2.7", "{}\n", sets=("decode.replicsa=2",))
    (warning,) = found.warnings
    assert (warning.path, warning.source, warning.line) == (
        "decode.replicsa",
        "--set decode.replicsa=2",
        None,
    )


def test_keys_known_to_releases_on_both_sides(tmp_path: Path) -> None:
    """dataLocal was read until 0.0.11 and again from 0.3.6 on."""
    (warning,) = run(tmp_path, "0.2.7", "decode:\n  parallelism:\n    dataLocal: 2\n").warnings
    assert warning.message == (
        "is not read by chart 0.2.7 and has no effect (did you mean 'data'?); known to charts "
        "0.0.9-0.0.11, 0.3.6-0.4.12; this render uses 0.2.7 (--chart-version)"
    )


def test_values_from_the_api_have_no_file(tmp_path: Path) -> None:
    from modelservice.charts.versions import resolve

    chart = resolve("0.2.7")
    found = check(from_user({"decode": {"replicsa": 1}}, chart=chart), chart)
    assert found.warnings == [
        Problem(
            "decode.replicsa",
            "is not read by chart 0.2.7 and has no effect (did you mean 'replicas'?)",
        )
    ]


def _version_cases() -> list[Any]:
    out = []
    for d in sorted(VERSIONS.iterdir()):
        case = yaml.safe_load((d / "case.yaml").read_text())
        out.append(pytest.param(d, str(case["chartVersion"]), id=d.name))
    return out


@pytest.mark.parametrize(("case_dir", "version"), _version_cases())
def test_what_helm_rendered_passes(case_dir: Path, version: str) -> None:
    """Every conformance case at a chart version is helm's own rendering: no errors."""
    values = load_values(files=[case_dir / "values.yaml"], chart_version=version)
    assert values.chart is not None
    assert check(values, values.chart).errors == []


@pytest.mark.parametrize("release", RELEASES, ids=lambda r: r.version)
def test_every_release_defaults_pass_its_own_schema(release: ChartVersion) -> None:
    """The checks skip what the user did not write, trusting the defaults: hold every
    release's defaults, checked whole, to that."""
    found: list[Any] = []
    merged = from_user({}, chart=release).merged
    if has_schema(release):
        _validate(merged, keys(release), None, found, merged)
    assert found == []
    assert check(from_user({}, chart=release), release) == ChartProblems([], [])
