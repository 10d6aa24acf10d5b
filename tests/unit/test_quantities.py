"""Every quantity in the values is checked against Kubernetes' quantity grammar before
anything is rendered or applied: key path, file:line and a hint."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

import modelservice
from modelservice.quantity import QUANTITY_PATTERN, parse_quantity, quantity_problem
from modelservice.values.schema import values_schema
from tests.unit.helpers import VLLM, problem_at, run_cli, values_error

CaptureFixture = pytest.CaptureFixture[str]


def test_the_issues_inputs_are_refused_by_validate(capsys: CaptureFixture) -> None:
    code, out, err = run_cli(
        [
            "validate",
            "q",
            "--set",
            "modelArtifacts.size=lots",
            "--set",
            "decode.containers[0].resources.limits.memory=16GB",
        ],
        capsys,
    )
    assert code == 1 and out == ""
    assert "modelArtifacts.size: 'lots' is not a Kubernetes quantity" in err
    assert "(--set modelArtifacts.size=lots)" in err
    assert (
        "decode.containers[0].resources.limits.memory: '16GB' is not a Kubernetes quantity; "
        "did you mean '16G' or '16Gi'?" in err
    )


def test_file_and_line_of_a_bad_quantity(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text(
        "decode:\n"
        "  containers:\n"
        "  - image: vllm/vllm-openai:v0.9.1\n"
        "    modelCommand: vllmServe\n"
        "    resources:\n"
        "      limits:\n"
        "        memory: 16GB\n"
    )
    with pytest.raises(modelservice.ValuesError) as info:
        modelservice.render(modelservice.load_values([f]), release="rel")
    p = problem_at(info.value, "decode.containers[0].resources.limits.memory")
    assert (p.source, p.line) == (str(f), 7)


def _container(resources: dict[str, Any]) -> dict[str, Any]:
    return {"image": VLLM, "modelCommand": "vllmServe", "resources": resources}


@pytest.mark.parametrize(
    ("values", "path"),
    [
        (
            {"decode": {"containers": [_container({"limits": {"memory": "16GB"}})]}},
            "decode.containers[0].resources.limits.memory",
        ),
        (
            {"prefill": {"containers": [_container({"requests": {"cpu": "two"}})]}},
            "prefill.containers[0].resources.requests.cpu",
        ),
        (
            {"routing": {"epp": {"resources": {"limits": {"cpu": "1 core"}}}}},
            "routing.epp.resources.limits.cpu",
        ),
        (
            {
                "decode": {
                    "initContainers": [{"name": "i", "resources": {"limits": {"memory": "1GB"}}}]
                }
            },
            "decode.initContainers[0].resources.limits.memory",
        ),
        ({"modelArtifacts": {"size": "lots"}}, "modelArtifacts.size"),
        (
            {"prefill": {"volumes": [{"name": "s", "emptyDir": {"sizeLimit": "10 GiB"}}]}},
            "prefill.volumes[0].emptyDir.sizeLimit",
        ),
        (
            {"decode": {"containers": [_container({"limits": {"nvidia.com/gpu": -1}})]}},
            'decode.containers[0].resources.limits."nvidia.com/gpu"',
        ),
        (
            {"decode": {"containers": [_container({"requests": {"memory": "-1Gi"}})]}},
            "decode.containers[0].resources.requests.memory",
        ),
    ],
)
def test_every_quantity_field_is_checked(values: dict[str, Any], path: str) -> None:
    err = values_error(values)
    assert path in [p.path for p in err.problems], [str(p) for p in err.problems]


@pytest.mark.parametrize("good", ["500m", "8", 8, 0.5, "16Gi", "1.5Gi", "1e3", "100M", "+1", ".5"])
def test_valid_quantities_render(good: Any) -> None:
    objs = modelservice.render(
        {"routing": {"epp": {"resources": {"limits": {"memory": good}}}}}, release="rel"
    )
    epp = next(
        o for o in objs if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("epp")
    )
    assert epp["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] == good


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("16GB", "did you mean '16G' or '16Gi'?"),
        ("16gi", "did you mean '16Gi'?"),
        ("16 Gi", "did you mean '16Gi'?"),
        ("512MiB", "did you mean '512Mi'?"),
        ("2K", "did you mean '2k' or '2Ki'?"),
        ("lots", "(a number with an optional suffix"),
        ("-1", "must not be negative"),
    ],
)
def test_hints(text: str, hint: str) -> None:
    problem = quantity_problem(text)
    assert problem is not None and hint in problem


_QUANTITY_CHARS = st.text(alphabet="0123456789.+-eEkKMGTPimunB ", max_size=8)


@given(_QUANTITY_CHARS)
def test_the_schema_pattern_and_the_checker_agree(text: str) -> None:
    """The JSON Schema's pattern (for editors and other tools) accepts exactly what the
    validator accepts."""
    assert (re.fullmatch(QUANTITY_PATTERN, text) is not None) == (quantity_problem(text) is None)


@given(_QUANTITY_CHARS)
def test_every_accepted_quantity_parses(text: str) -> None:
    if quantity_problem(text) is None:
        assert parse_quantity(text) >= 0


def test_reference_validator_sees_the_pattern() -> None:
    validator = jsonschema.Draft202012Validator(values_schema())
    bad = {"modelArtifacts": {"size": "16GB"}}
    assert [e.message for e in validator.iter_errors(bad)]
    assert not list(validator.iter_errors({"modelArtifacts": {"size": "16G"}}))


def test_plan_names_the_key_of_a_bad_quantity_in_an_extra_object(
    tmp_path: Path, capsys: CaptureFixture
) -> None:
    """Extra objects are passed through unchecked; `plan` adds up their requests and must
    say where a bad one is (it said only "not a Kubernetes quantity: '16GB'")."""
    f = tmp_path / "x.yaml"
    f.write_text(
        "extraObjects:\n"
        "- apiVersion: apps/v1\n"
        "  kind: Deployment\n"
        "  metadata: {name: side}\n"
        "  spec:\n"
        "    selector: {matchLabels: {a: b}}\n"
        "    template:\n"
        "      metadata: {labels: {a: b}}\n"
        "      spec:\n"
        "        containers:\n"
        "        - name: c\n"
        "          image: busybox\n"
        "          resources: {limits: {memory: 16GB}}\n"
    )
    code, _, err = run_cli(["plan", "x", "-f", str(f)], capsys)
    assert code == 1
    assert (
        "extraObjects[0].spec.template.spec.containers[0].resources.limits.memory: '16GB' is "
        f"not a Kubernetes quantity; did you mean '16G' or '16Gi'? ({f}:13)" in err
    )
