"""Presets: the built-in library, layering order, user directories, and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelservice import ValuesError, load_values, render_release
from modelservice.presets import ENV_VAR, find_preset, list_presets
from tests.unit.helpers import REPO_ROOT, run_cli

CaptureFixture = pytest.CaptureFixture[str]

REQUIRED = ("sim", "nvidia-pd", "nvidia-wide-ep", "amd-pd", "intel-gaudi", "cpu", "no-routing")
BUILTIN = [p.name for p in list_presets()]
EXAMPLES = sorted((REPO_ROOT / "examples").glob("*.yaml"))


def run(argv: list[str], capsys: CaptureFixture) -> tuple[int, str, str]:
    return run_cli(argv, capsys)


def kinds(objects: list[dict[str, object]]) -> list[str]:
    return [str(o["kind"]) for o in objects]


def test_the_required_presets_exist_with_descriptions() -> None:
    assert set(REQUIRED) <= set(BUILTIN)
    for p in list_presets():
        assert p.builtin
        assert p.description and "\n" not in p.description, p.name
        assert len(p.comment.splitlines()) >= 2, p.name
        assert isinstance(p.values(), dict) and p.values(), p.name


@pytest.mark.parametrize("name", BUILTIN)
def test_every_preset_renders_alone(name: str) -> None:
    result = render_release(load_values(presets=[name]), release="p", namespace="ns")
    assert result.objects


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("name", BUILTIN)
def test_every_preset_renders_with_every_example(name: str, example: Path) -> None:
    values = load_values([example], presets=[name])
    assert render_release(values, release="p", namespace="ns").objects


def test_preset_contents_do_what_they_say() -> None:
    sim = render_release(load_values(presets=["sim"]), release="s").model
    assert all(r.accelerator_resource is None for r in sim.roles)
    pd = render_release(load_values(presets=["nvidia-pd"]), release="s").model
    assert pd.decode.accelerator_resource == "nvidia.com/gpu"
    assert pd.routing.proxy.connector == "nixlv2"
    assert any("NixlConnector" in a for a in pd.decode.containers[0].args)
    wide = render_release(load_values(presets=["nvidia-wide-ep"]), release="s")
    assert wide.model.multinode and wide.model.decode.parallelism.workers == 2
    assert "LeaderWorkerSet" in kinds(wide.objects)
    amd = render_release(load_values(presets=["amd-pd"]), release="s").model
    assert amd.decode.accelerator_resource == "amd.com/gpu"
    gaudi = render_release(load_values(presets=["intel-gaudi"]), release="s").model
    assert gaudi.decode.accelerator_resource == "habana.ai/gaudi"
    cpu = render_release(load_values(presets=["cpu"]), release="s").model
    assert cpu.decode.accelerator_resource is None and not cpu.prefill.create
    bare = render_release(load_values(presets=["no-routing"]), release="s").objects
    assert not {"InferencePool", "HTTPRoute", "Service", "Role"} & set(kinds(bare))


def test_layering_order_defaults_presets_files_sets(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text("decode:\n  replicas: 5\n")
    # the preset (replicas 1) is below the file and the --set
    v = load_values([f], presets=["sim"])
    assert v.merged["decode"]["replicas"] == 5
    assert v.merged["routing"]["modelName"] == "random/model"  # from the preset
    v = load_values([f], ["decode.replicas=7"], presets=["sim"])
    assert v.merged["decode"]["replicas"] == 7
    # presets apply in the order given: the later one wins
    a = load_values(presets=["nvidia-pd", "cpu"]).merged
    assert a["accelerator"]["type"] == "cpu" and a["prefill"]["create"] is False
    b = load_values(presets=["cpu", "nvidia-pd"]).merged
    assert b["accelerator"]["type"] == "nvidia" and b["prefill"].get("create", True)
    # the layers record where each value came from
    v = load_values([f], presets=["sim", "no-routing"])
    assert [layer.source for layer in v.layers] == ["preset sim", "preset no-routing", str(f)]
    assert v.locate("routing.epp.create") == ("preset no-routing", 17)


def test_preset_user_values_and_files_order() -> None:
    v = load_values(presets=["sim"], user_values=[{"decode": {"replicas": 3}}])
    assert v.merged["decode"]["replicas"] == 3


def test_an_invalid_value_from_a_preset_is_located(tmp_path: Path) -> None:
    d = tmp_path / "mine"
    d.mkdir()
    (d / "bad.yaml").write_text("# A broken preset.\ndecode:\n  replicas: -1\n")
    with pytest.raises(ValuesError) as err:
        render_release(load_values(presets=["bad"], preset_dirs=[d]), release="r")
    assert "preset bad" in str(err.value) and "decode.replicas" in str(err.value)
    assert ":3" in str(err.value)


def test_unknown_preset_lists_the_known_ones_with_did_you_mean() -> None:
    with pytest.raises(ValuesError) as err:
        load_values(presets=["nvidia-dp"])
    msg = str(err.value)
    assert "unknown preset 'nvidia-dp'" in msg and "did you mean 'nvidia-pd'" in msg
    assert all(name in msg for name in REQUIRED)


def test_unknown_preset_and_missing_file_reported_together(tmp_path: Path) -> None:
    with pytest.raises(ValuesError) as err:
        load_values([tmp_path / "nope.yaml"], presets=["nope"])
    assert len(err.value.problems) == 2


def test_user_preset_directory_adds_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "sim.yaml").write_text("# My own simulator.\ndecode:\n  replicas: 9\n")
    (tmp_path / "extra.yml").write_text("# Extra.\nprefill:\n  replicas: 4\n")
    names = {p.name: p for p in list_presets([tmp_path])}
    assert names["sim"].description == "My own simulator." and not names["sim"].builtin
    assert names["extra"].description == "Extra."
    assert names["nvidia-pd"].builtin
    v = load_values(presets=["sim", "extra"], preset_dirs=[tmp_path])
    assert v.merged["decode"]["replicas"] == 9 and v.merged["prefill"]["replicas"] == 4
    assert find_preset("sim").builtin  # without the directory: the built-in


def test_missing_preset_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValuesError, match="does not exist"):
        load_values(presets=["sim"], preset_dirs=[tmp_path / "missing"])


def test_bad_yaml_in_a_user_preset(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("decode: [\n")
    with pytest.raises(ValuesError, match="preset broken"):
        load_values(presets=["broken"], preset_dirs=[tmp_path])


# --------------------------------------------------------------------------- CLI


def test_cli_presets_lists_names_and_descriptions(capsys: CaptureFixture) -> None:
    code, out, _ = run(["presets"], capsys)
    assert code == 0
    for name in REQUIRED:
        line = next(x for x in out.splitlines() if x.split()[0] == name)
        assert find_preset(name).description in line


def test_cli_presets_show(capsys: CaptureFixture) -> None:
    code, out, _ = run(["presets", "show", "nvidia-pd"], capsys)
    assert code == 0 and out == find_preset("nvidia-pd").text()
    code, _, err = run(["presets", "show", "nvidia"], capsys)
    assert code == 1 and "did you mean 'nvidia-pd'" in err and "Traceback" not in err
    code, _, err = run(["presets", "show"], capsys)
    assert code == 1 and "NAME" in err


def test_cli_preset_flag_on_template(capsys: CaptureFixture) -> None:
    code, out, _ = run(["template", "r", "--preset", "nvidia-pd", "--preset", "no-routing"], capsys)
    assert code == 0
    assert "nvidia.com/gpu" in out and "InferencePool" not in out
    code, _, err = run(["validate", "r", "--preset", "simm"], capsys)
    assert code == 1 and "did you mean 'sim'" in err


def test_cli_preset_dir_flag_and_env(
    tmp_path: Path, capsys: CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mine.yaml").write_text("# Mine.\ndecode:\n  replicas: 6\n")
    code, out, _ = run(["template", "r", "--preset-dir", str(tmp_path), "--preset", "mine"], capsys)
    assert code == 0 and "replicas: 6" in out
    code, _, _ = run(["template", "r", "--preset", "mine"], capsys)
    assert code == 1
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    code, out, _ = run(["template", "r", "--preset", "mine"], capsys)
    assert code == 0 and "replicas: 6" in out
    code, out, _ = run(["presets"], capsys)
    assert "mine" in out and str(tmp_path) in out


def test_help_texts_have_examples(capsys: CaptureFixture) -> None:
    for command in ("presets", "plan", "sweep"):
        code, out, _ = run([command, "--help"], capsys)
        assert code == 0 and "example" in out and f"modelservice {command}" in out
