"""The command line: template, validate, values, schema, version; errors and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml

from modelservice import __version__
from modelservice.values.layering import default_values, default_values_text
from tests.unit.helpers import FULL, run_cli

CaptureFixture = pytest.CaptureFixture[str]


def run(argv: list[str], capsys: CaptureFixture) -> tuple[int, str, str]:
    return run_cli(argv, capsys)


def run_proc(argv: list[str], *, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "modelservice.cli.main", *argv],
        input=stdin.decode("utf-8", "replace") if stdin is not None else None,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return proc


def _write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, "utf-8")
    return str(p)


# --------------------------------------------------------------------------- template


def test_template_stdout_is_valid_multi_doc_yaml(capsys: CaptureFixture) -> None:
    code, out, err = run(["template", "rel", "-n", "team", "--set", "decode.replicas=3"], capsys)
    assert code == 0, err
    docs = [d for d in yaml.safe_load_all(out) if d]
    assert [d["kind"] for d in docs] == [
        "ServiceAccount",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "Service",
        "Deployment",
        "Deployment",
        "Deployment",
        "HTTPRoute",
        "InferencePool",
    ]
    decode = next(d for d in docs if d["metadata"]["name"] == f"{FULL}-decode")
    assert decode["spec"]["replicas"] == 3
    pool = next(d for d in docs if d["kind"] == "InferencePool")
    assert pool["metadata"]["namespace"] == "team"
    assert out.startswith("---\n# Source: llm-d-modelservice/templates/")
    assert out.count("\n---\n") == 9


def test_template_output_equals_api(capsys: CaptureFixture, tmp_path: Path) -> None:
    import modelservice

    f = _write(tmp_path, "v.yaml", "routing:\n  modelName: 'yes'\ndecode:\n  replicas: 2\n")
    code, out, _ = run(["template", "rel", "-f", f], capsys)
    assert code == 0
    expected = modelservice.render_release(modelservice.load_values([f]), release="rel").objects
    assert [d for d in yaml.safe_load_all(out) if d] == expected


def test_template_values_error_exits_1_with_empty_stdout(capsys: CaptureFixture) -> None:
    code, out, err = run(["template", "rel", "--set", "decode.replicas=two"], capsys)
    assert code == 1
    assert out == ""
    assert "decode.replicas" in err
    assert "Traceback" not in err


def test_template_output_dir_writes_helms_layout(capsys: CaptureFixture, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, out, err = run(["template", "rel", "--output-dir", str(out_dir)], capsys)
    assert code == 0, err
    templates = out_dir / "llm-d-modelservice" / "templates"
    files = sorted(p.name for p in templates.iterdir())
    assert files == sorted(
        [
            "epp-sa.yaml",
            "serviceaccount.yaml",
            "epp-role.yaml",
            "epp-rolebinding.yaml",
            "epp-service.yaml",
            "decode-deployment.yaml",
            "epp-deployment.yaml",
            "prefill-deployment.yaml",
            "httproute.yaml",
            "inferencepool.yaml",
        ]
    )
    assert out.splitlines() == [
        f"wrote {templates / name}"
        for name in [line.rsplit("/", 1)[-1] for line in out.splitlines()]
    ]
    pool = yaml.safe_load((templates / "inferencepool.yaml").read_text())
    assert pool["kind"] == "InferencePool" and pool["metadata"]["name"] == FULL
    text = (templates / "epp-service.yaml").read_text()
    assert text.startswith("---\n# Source: llm-d-modelservice/templates/epp-service.yaml\n")


def test_template_output_dir_writes_nothing_on_values_error(
    capsys: CaptureFixture, tmp_path: Path
) -> None:
    out_dir = tmp_path / "out"
    code, out, err = run(
        ["template", "rel", "--output-dir", str(out_dir), "--set", "routing.servicePort=0"], capsys
    )
    assert code == 1
    assert out == ""
    assert "routing.servicePort" in err
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_template_output_dir_that_is_a_file(capsys: CaptureFixture, tmp_path: Path) -> None:
    target = _write(tmp_path, "file", "x")
    code, out, err = run(["template", "rel", "--output-dir", target], capsys)
    assert code == 1
    assert out == ""
    assert "cannot write" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        (f"Service/{FULL}-epp", [("Service", f"{FULL}-epp")]),
        (f"deployment/{FULL}-decode", [("Deployment", f"{FULL}-decode")]),
        (
            "ServiceAccount",
            [("ServiceAccount", f"{FULL}-epp"), ("ServiceAccount", FULL)],
        ),
    ],
)
def test_template_show_only(
    capsys: CaptureFixture, selector: str, expected: list[tuple[str, str]]
) -> None:
    code, out, _ = run(["template", "rel", "--show-only", selector], capsys)
    assert code == 0
    docs = [d for d in yaml.safe_load_all(out) if d]
    assert [(d["kind"], d["metadata"]["name"]) for d in docs] == expected


def test_template_show_only_several(capsys: CaptureFixture) -> None:
    code, out, _ = run(
        ["template", "rel", "--show-only", "InferencePool", "--show-only", "HTTPRoute"], capsys
    )
    assert code == 0
    assert [d["kind"] for d in yaml.safe_load_all(out) if d] == ["HTTPRoute", "InferencePool"]


def test_template_show_only_chart_template(capsys: CaptureFixture) -> None:
    for selector in ("templates/epp-service.yaml", "llm-d-modelservice/templates/epp-service.yaml"):
        code, out, _ = run(["template", "rel", "--show-only", selector], capsys)
        assert code == 0
        assert out.startswith("---\n# Source: llm-d-modelservice/templates/epp-service.yaml\n")
        assert [d["kind"] for d in yaml.safe_load_all(out) if d] == ["Service"]


def test_template_show_only_unknown_template_suggests(capsys: CaptureFixture) -> None:
    code, out, err = run(["template", "rel", "--show-only", "templates/epp-servce.yaml"], capsys)
    assert code == 1 and out == ""
    assert "did you mean 'templates/epp-service.yaml'?" in err


@pytest.mark.parametrize(
    "selector", ["Service/nope", "Nope", "Deployment/rel-decode", "templates/nope.yaml"]
)
def test_template_show_only_unknown_errors(capsys: CaptureFixture, selector: str) -> None:
    code, out, err = run(["template", "rel", "--show-only", selector], capsys)
    assert code == 1
    assert out == ""
    assert selector in err
    assert "Traceback" not in err


def test_template_reads_stdin(tmp_path: Path) -> None:
    proc = run_proc(["template", "rel", "-f", "-"], stdin=b"decode:\n  replicas: 4\n")
    assert proc.returncode == 0, proc.stderr
    docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
    decode = next(d for d in docs if d["metadata"]["name"] == f"{FULL}-decode")
    assert decode["spec"]["replicas"] == 4


def test_template_warning_goes_to_stderr(capsys: CaptureFixture) -> None:
    code, out, err = run(
        [
            "template",
            "rel",
            "--set",
            "decode.parallelism.tensor=2",
            "--set-json",
            'decode.containers=[{"name":"vllm","image":"vllm/vllm-openai:v0.9.1",'
            '"modelCommand":"vllmServe","resources":{"limits":{"nvidia.com/gpu":"1"}}}]',
        ],
        capsys,
    )
    assert code == 0, err
    assert "warning:" in err
    assert 'decode.containers[0].resources.limits."nvidia.com/gpu"' in err
    assert "nvidia.com/gpu: '2'" in out


# --------------------------------------------------------------------------- validate


def test_validate_ok_exit_0(capsys: CaptureFixture) -> None:
    code, out, err = run(["validate", "rel"], capsys)
    assert code == 0
    assert out == ""
    assert "valid: 10 objects" in err


def test_validate_lists_all_problems_exit_1(capsys: CaptureFixture, tmp_path: Path) -> None:
    f = _write(
        tmp_path,
        "bad.yaml",
        "decode:\n  replicas: two\n  containers:\n  - mountModelVolumes: true\n"
        "routing:\n  servicePort: 0\n",
    )
    code, out, err = run(["validate", "rel", "-f", f], capsys)
    assert code == 1
    assert out == ""
    # every problem at once: schema ones and the semantic one (custom needs a command)
    assert "5 problems in the values:" in err
    for path in (
        "decode.containers[0].command",
        "decode.replicas",
        "decode.containers[0].mountModelVolumes",
        "decode.containers[0].image",
        "routing.servicePort",
    ):
        assert f"  - {path}: " in err
    assert "did you mean 'mountModelVolume'" in err
    assert f"({f}:2)" in err


def test_validate_read_problems_all_reported(capsys: CaptureFixture, tmp_path: Path) -> None:
    code, out, err = run(
        ["validate", "rel", "-f", str(tmp_path / "missing.yaml"), "--set", "a[b]=1"], capsys
    )
    assert code == 1
    assert out == ""
    assert "2 problems" in err
    assert "missing.yaml" in err and "a[b]=1" in err


# --------------------------------------------------------------------------- values, schema


def test_values_prints_defaults(capsys: CaptureFixture) -> None:
    code, out, _ = run(["values"], capsys)
    assert code == 0
    assert out == default_values_text()
    assert yaml.safe_load(out) == default_values()


def test_schema_prints_shipped_schema(capsys: CaptureFixture) -> None:
    code, out, _ = run(["schema"], capsys)
    assert code == 0
    printed = json.loads(out)
    shipped = resources.files("modelservice.values").joinpath("values.schema.json")
    if shipped.is_file():
        assert printed == json.loads(shipped.read_text("utf-8"))
    else:
        from modelservice.values.schema import values_schema

        assert printed == values_schema()
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_version(capsys: CaptureFixture) -> None:
    code, out, _ = run(["version"], capsys)
    assert code == 0
    assert out == f"modelservice {__version__} (llm-d-modelservice chart 0.0.9 values)\n"


# --------------------------------------------------------------------------- help


@pytest.mark.parametrize("command", ["template", "validate", "values", "schema", "version"])
def test_help_mentions_an_example(capsys: CaptureFixture, command: str) -> None:
    code, out, _ = run([command, "--help"], capsys)
    assert code == 0
    assert "example" in out.lower()
    assert f"modelservice {command}" in out


def test_top_level_help(capsys: CaptureFixture) -> None:
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    for command in ("template", "validate", "values", "schema", "version"):
        assert command in out


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["template"],
        ["template", "rel", "--bogus"],
        ["template", "Bad_Release"],
        ["template", "rel", "-n", "Bad_NS"],
        ["template", "rel", "-f", "/definitely/missing.yaml"],
        ["template", "rel", "-f", "/"],
        ["template", "rel", "--set", "a[=1"],
        ["template", "rel", "--set", "decode.replicas"],
        ["template", "rel", "--set-json", "decode.replicas={"],
        ["template", "rel", "--set-file", "routing.modelName=/definitely/missing"],
        ["template", "rel", "--set", "decode=x"],
        ["template", "rel", "--set", "decode.containers[0]=x"],
        ["template", "rel", "--set", "decode.containers[70000].image=x"],
        ["template", "rel", "--set", "modelArtifacts.uri=s3://x"],
        [
            "template",
            "rel",
            "--set",
            "routing.epp.service.permissions=x",
            "--set",
            "routing.epp.permissions=y",
        ],
        ["validate", "rel", "--set", "multinode=maybe"],
    ],
)
def test_bad_input_no_traceback_non_zero_empty_stdout(
    capsys: CaptureFixture, argv: list[str]
) -> None:
    code, out, err = run(argv, capsys)
    assert code != 0
    assert out == ""
    assert "Traceback" not in err
    assert "internal error" not in err
    assert err.strip()


def test_bad_yaml_file_no_traceback(capsys: CaptureFixture, tmp_path: Path) -> None:
    f = _write(tmp_path, "bad.yaml", "decode: [\n  replicas: 1\n")
    code, out, err = run(["template", "rel", "-f", f], capsys)
    assert code == 1
    assert out == ""
    assert "invalid YAML" in err and f in err


def _bomb() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    return "\n".join(lines) + "\n"


def test_cli_billion_laughs_fails_fast(tmp_path: Path) -> None:
    f = _write(tmp_path, "bomb.yaml", _bomb())
    proc = run_proc(["template", "rel", "-f", f])
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert "alias bomb" in proc.stderr


def test_cli_non_utf8_file_fails(tmp_path: Path) -> None:
    f = tmp_path / "bin.yaml"
    f.write_bytes(b"decode:\n  replicas: \xff\xfe\x00\x81\n")
    proc = run_proc(["validate", "rel", "-f", str(f)])
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert "UTF-8" in proc.stderr


def test_cli_module_entry_point_runs() -> None:
    proc = run_proc(["version"])
    assert proc.returncode == 0
    assert proc.stdout.startswith(f"modelservice {__version__}")
