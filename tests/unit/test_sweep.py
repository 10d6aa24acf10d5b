"""Benchmark sweeps: factor parsing, designs, failures, output, the CLI and the API."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import yaml

import modelservice
from modelservice import ValuesError, load_values
from modelservice.planning.sweep import parse_factor, release_name, sweep
from tests.unit.helpers import run_cli

CaptureFixture = pytest.CaptureFixture[str]
DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def run(argv: list[str], capsys: CaptureFixture) -> tuple[int, str, str]:
    return run_cli(argv, capsys)


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("decode.replicas=1,2,4", (1, 2, 4)),
        ("routing.proxy.enabled=true,false", (True, False)),
        ("decode.containers[0].image=a:1,b:2", ("a:1", "b:2")),
        ("x=007,0,-3,+5", ("007", 0, -3, 5)),
        ("x=1.5,null", ("1.5", None)),
        ("x={a,b},{c}", (["a", "b"], ["c"])),
        ("x=a\\,b,c", ("a,b", "c")),
        ("x=TRUE", (True,)),
    ],
)
def test_factor_levels_use_helm_set_typing(text: str, levels: tuple[object, ...]) -> None:
    factor = parse_factor(text)
    assert factor.key == text.partition("=")[0]
    assert factor.levels == levels


@pytest.mark.parametrize("bad", ["decode.replicas", "=1,2", "x=1,,2", "x=1,", "x=1,1", "a..b=1"])
def test_bad_factors(bad: str) -> None:
    with pytest.raises(ValuesError):
        parse_factor(bad)


def test_release_names_are_short_valid_and_unique() -> None:
    assert release_name("bench", 3) == "bench-3"
    long = release_name("a" * 60, 12)
    assert len(long) <= 53 and long.endswith("-12") and DNS1123.match(long)
    assert release_name("a" * 50 + "-b", 100).count("--") == 0


def test_full_factorial_3x3x2_renders_18_treatments() -> None:
    base = load_values(presets=["sim"])
    started = time.perf_counter()
    result = sweep(
        "bench",
        base,
        factors=[
            "decode.replicas=1,2,4",
            "prefill.replicas=0,1,2",
            "routing.proxy.enabled=true,false",
        ],
    )
    elapsed = time.perf_counter() - started
    print(f"\n3x3x2 sweep: {len(result.treatments)} treatments rendered in {elapsed:.3f}s")
    assert result.ok and len(result.treatments) == 18 and not result.failures
    releases = [t.release for t in result.treatments]
    assert len(set(releases)) == 18 and all(DNS1123.match(r) and len(r) <= 53 for r in releases)
    combos = {(t.levels["decode.replicas"], t.levels["prefill.replicas"],
               t.levels["routing.proxy.enabled"]) for t in result.treatments}  # fmt: skip
    assert len(combos) == 18
    t = next(
        t
        for t in result.treatments
        if t.levels == {"decode.replicas": 4, "prefill.replicas": 0, "routing.proxy.enabled": False}
    )
    decode = next(o for o in t.objects if o["metadata"]["name"].endswith("-decode"))
    assert decode["spec"]["replicas"] == 4
    assert t.values["decode"]["replicas"] == 4 and t.values["routing"]["proxy"]["enabled"] is False
    assert t.values["routing"]["modelName"] == "random/model"  # the base is kept


def test_accelerators_per_treatment() -> None:
    result = sweep("tp", {"decode": {"containers": [{"image": "vllm/vllm-openai:v0.9.1",
                                                     "modelCommand": "vllmServe"}]}},
                   factors=["decode.parallelism.tensor=1,2", "decode.replicas=1,3"])  # fmt: skip
    needed = {
        (t.levels["decode.parallelism.tensor"], t.levels["decode.replicas"]): t.accelerators
        for t in result.treatments
    }
    assert needed[(2, 3)] == {"nvidia.com/gpu": 6} and needed[(1, 1)] == {"nvidia.com/gpu": 1}


def test_invalid_treatments_are_reported_and_the_rest_rendered() -> None:
    result = sweep("bad", load_values(presets=["sim"]), factors=["decode.replicas=1,-1,2"])
    assert not result.ok
    assert [t.id for t in result.treatments] == [1, 3]
    (failure,) = result.failures
    assert failure.id == 2 and failure.release == "bad-2"
    assert failure.levels == {"decode.replicas": -1}
    assert any("decode.replicas" in p and "at least 0" in p for p in failure.problems)
    assert any("treatment 2" in p for p in failure.problems)  # located at the factor
    assert [t.id for t in result.all()] == [1, 2, 3]


def test_design_list_and_file(tmp_path: Path) -> None:
    design = [{"decode.replicas": 2}, {"decode.replicas": 3, "prefill.create": False}]
    result = sweep("d", load_values(presets=["sim"]), design=design)
    assert [t.levels for t in result.treatments] == design
    assert not any(o["metadata"]["name"].endswith("-prefill") for o in result.treatments[1].objects)
    f = tmp_path / "design.yaml"
    f.write_text(yaml.safe_dump(design))
    crossed = sweep(
        "d", load_values(presets=["sim"]), design=str(f), factors=["prefill.replicas=1,2"]
    )
    assert len(crossed.treatments) == 4
    assert crossed.treatments[0].levels == {"decode.replicas": 2, "prefill.replicas": 1}


@pytest.mark.parametrize("text", ["a: 1\n", "[]\n", "- 1\n", "[\n"])
def test_bad_design_files(tmp_path: Path, text: str) -> None:
    f = tmp_path / "design.yaml"
    f.write_text(text)
    with pytest.raises(ValuesError):
        sweep("d", design=str(f))


def test_sweep_input_errors() -> None:
    with pytest.raises(ValuesError, match="invalid sweep name"):
        sweep("Bad_Name", factors=["decode.replicas=1"])
    with pytest.raises(ValuesError, match="at least one"):
        sweep("ok")
    with pytest.raises(ValuesError, match="twice"):
        sweep("ok", factors=["decode.replicas=1", "decode.replicas=2"])


def test_public_api() -> None:
    result = modelservice.sweep(
        "api", {"decode": {"replicas": 2}}, factors=["prefill.replicas=1,2"]
    )
    assert isinstance(result, modelservice.SweepResult)
    assert [t.release for t in result.treatments] == ["api-1", "api-2"]
    assert result.treatments[0].values["decode"]["replicas"] == 2


# --------------------------------------------------------------------------- CLI


def test_cli_sweep_output_dir(tmp_path: Path, capsys: CaptureFixture) -> None:
    out = tmp_path / "out"
    argv = ["sweep", "b", "--preset", "sim", "--factor", "decode.replicas=1,2",
            "--factor", "prefill.replicas=0,1", "--output-dir", str(out)]  # fmt: skip
    code, _, err = run(argv, capsys)
    assert code == 0, err
    data = json.loads((out / "treatments.json").read_text())
    assert [t["release"] for t in data["treatments"]] == ["b-1", "b-2", "b-3", "b-4"]
    assert data["treatments"][3]["levels"] == {"decode.replicas": 2, "prefill.replicas": 1}
    assert data["treatments"][0]["accelerators"] == {}
    for t in data["treatments"]:
        values = yaml.safe_load((out / t["release"] / "values.yaml").read_text())
        assert values["decode"]["replicas"] == t["levels"]["decode.replicas"]
        docs = list(yaml.safe_load_all((out / t["release"] / "manifests.yaml").read_text()))
        assert any(d and d["kind"] == "Deployment" for d in docs)
        # the written values render the same release again
        again = modelservice.render(values, release=t["release"])
        assert len(again) == len([d for d in docs if d])


def test_cli_sweep_summary_and_failures(capsys: CaptureFixture) -> None:
    code, out, err = run(["sweep", "s", "--preset", "sim", "--factor", "decode.replicas=1,-1"],
                         capsys)  # fmt: skip
    assert code == 1
    assert "s-1" in out and "INVALID" in out and "1 invalid" in out
    assert "1 of 2 treatments are invalid" in err and "Traceback" not in err
    code, out, _ = run(["sweep", "s", "--factor", "decode.replicas=1,2", "-o", "json"], capsys)
    assert code == 0 and len(json.loads(out)["treatments"]) == 2


def test_cli_sweep_bad_factor(capsys: CaptureFixture) -> None:
    code, _, err = run(["sweep", "s", "--factor", "decode.replicas"], capsys)
    assert code == 1 and "KEY=V1,V2" in err
