"""How problems read: file/line order, no list of every key after a
did-you-mean, no follow-on errors, no Python internals."""

from __future__ import annotations

from pathlib import Path

import pytest

import modelservice
from tests.unit.helpers import run_cli, values_error

CaptureFixture = pytest.CaptureFixture[str]

BAD = """\
modelArtifacts:
  uri: s3://bucket/model
decode:
  replicas: two
  containers:
  - image: vllm/vllm-openai:v0.9.1
    modelCommand: vllm
    mountModelVolumes: true
    resources:
      limits:
        memory: 16GB
"""


def test_problems_in_file_and_line_order(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(BAD)
    with pytest.raises(modelservice.ValuesError) as info:
        modelservice.render(modelservice.load_values([f]), release="demo")
    lines = [p.line for p in info.value.problems]
    assert lines == [2, 4, 7, 8, 11]


def test_files_in_layering_order_then_flags(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("decode:\n  replicas: -1\n")
    b.write_text("prefill:\n  replicas: two\n")
    values = modelservice.load_values([b, a], sets=["routing.servicePort=0"])
    with pytest.raises(modelservice.ValuesError) as info:
        modelservice.render(values, release="demo")
    assert [p.source for p in info.value.problems] == [
        str(b),
        str(a),
        "--set routing.servicePort=0",
    ]


def test_a_did_you_mean_does_not_also_list_every_key() -> None:
    err = values_error({"decode": {"replica": 2}})
    (p,) = [p for p in err.problems if p.path == "decode.replica"]
    assert p.message == "unknown key; did you mean 'replicas'?"


def test_an_invalid_model_command_does_not_also_require_a_command() -> None:
    err = values_error({"decode": {"containers": [{"image": "x", "modelCommand": "vllm"}]}})
    assert [p.path for p in err.problems] == ["decode.containers[0].modelCommand"]


def test_a_refused_container_name_does_not_also_make_a_duplicate() -> None:
    container = {"image": "x", "modelCommand": "vllmServe"}
    err = values_error({"decode": {"containers": [{**container, "name": ""}, container]}})
    assert [p.path for p in err.problems] == ["decode.containers[0].name"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["template", "x", "-f", "{d}/missing.yaml"], "values file not found ({d}/missing.yaml)"),
        (["template", "x", "-f", "{d}"], "values file is a directory ({d})"),
        (
            ["template", "x", "--set-file", "routing.modelName={d}/missing"],
            "file not found (--set-file {d}/missing)",
        ),
        (["status", "x", "--kubeconfig", "{d}/kc"], "kubeconfig '{d}/kc' not found"),
    ],
)
def test_no_python_internals_in_messages(
    tmp_path: Path, capsys: CaptureFixture, argv: list[str], message: str
) -> None:
    code, _, err = run_cli([a.format(d=tmp_path) for a in argv], capsys)
    assert code == 1
    assert message.format(d=tmp_path) in err
    assert "Errno" not in err and "Traceback" not in err
