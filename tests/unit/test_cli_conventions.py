"""The command-line conventions Helm and kubectl users expect: exit codes,
did-you-mean, global flags before the command, --version, python -m, -o, completion."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from modelservice.cli.common import EXIT_CHANGES, EXIT_USAGE
from modelservice.cli.completion_cmds import FILES, candidates
from tests.unit.helpers import REPO_ROOT, run_cli

CaptureFixture = pytest.CaptureFixture[str]


def test_usage_errors_never_read_as_changes_pending(capsys: CaptureFixture) -> None:
    assert EXIT_USAGE != EXIT_CHANGES
    for argv in (["templte"], ["template"], ["template", "x", "--bogus"], [], ["list", "-o", "x"]):
        code, out, _ = run_cli(argv, capsys)
        assert code == EXIT_USAGE == 64, argv
        assert out == ""


def test_help_documents_the_exit_codes(capsys: CaptureFixture) -> None:
    code, out, _ = run_cli(["--help"], capsys)
    assert code == 0
    for line in ("0    success", "1    error", "2    diff: the upgrade would change", "64   usage"):
        assert line in out
    readme = (REPO_ROOT / "README.md").read_text()
    assert "| 64 |" in readme and "| 2 |" in readme


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["templte", "x"], "unknown command 'templte'; did you mean 'template'?"),
        (["instal"], "did you mean 'install'?"),
        (
            ["template", "x", "--vales", "f.yaml"],
            "unknown flag '--vales' (did you mean '--values'?)",
        ),
        (["status", "x", "--kubecontext", "c"], "(did you mean '--kube-context'?)"),
    ],
)
def test_did_you_mean(capsys: CaptureFixture, argv: list[str], hint: str) -> None:
    code, _, err = run_cli(argv, capsys)
    assert code == EXIT_USAGE
    assert hint in err
    assert "choose from" not in err  # not the list of every command


def test_global_flags_before_the_command(capsys: CaptureFixture) -> None:
    code, out, _ = run_cli(["-n", "llm-d", "template", "x", "--show-only", "InferencePool"], capsys)
    assert code == 0
    assert yaml.safe_load(out)["metadata"]["namespace"] == "llm-d"
    # after the command wins, as kubectl
    code, out, _ = run_cli(
        ["-n", "a", "template", "x", "-n", "b", "--show-only", "InferencePool"], capsys
    )
    assert yaml.safe_load(out)["metadata"]["namespace"] == "b"
    code, out, _ = run_cli(["--namespace", "a", "values"], capsys)  # a command without -n
    assert code == 0 and out.startswith("#")


def test_version_flag_command_and_outputs(capsys: CaptureFixture) -> None:
    code, flag, _ = run_cli(["--version"], capsys)
    assert code == 0
    code, command, _ = run_cli(["version"], capsys)
    assert flag == command and flag.startswith("modelservice 0.")
    code, out, _ = run_cli(["version", "-o", "json"], capsys)
    info = json.loads(out)
    assert set(info) == {"version", "chart", "chartVersion", "appVersion", "python"}
    assert info["chartVersion"] == "0.0.9"
    code, out, _ = run_cli(["version", "-o", "yaml"], capsys)
    assert yaml.safe_load(out) == info


def test_python_dash_m_modelservice() -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "modelservice", "version"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.startswith("modelservice 0.")


def test_bare_dry_run_does_not_eat_the_release_name(capsys: CaptureFixture) -> None:
    from modelservice.cli.main import normalize

    assert normalize(["install", "--dry-run", "sim"]) == ["install", "--dry-run=client", "sim"]
    assert normalize(["install", "sim", "--dry-run", "server"]) == [
        "install",
        "sim",
        "--dry-run=server",
    ]
    assert normalize(["install", "sim", "--dry-run=server"]) == [
        "install",
        "sim",
        "--dry-run=server",
    ]


def test_install_client_dry_run_asks_nothing_of_the_cluster(
    capsys: CaptureFixture, tmp_path: Path
) -> None:
    """A kubeconfig naming a server that does not exist: a client dry run of install
    never notices, since it makes no request."""
    from tests.unit.test_dependency_apis import _dead_kubeconfig

    kc = str(_dead_kubeconfig(tmp_path))
    code, out, err = run_cli(["install", "sim", "--dry-run", "--kubeconfig", kc], capsys)
    assert code == 0, err
    assert "  would create Deployment/sim-llm-d-modelservice-decode" in out
    assert "nothing was stored" in out


# --------------------------------------------------------------------------- completion


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["te"], ["template"]),
        (["-n", "ns", "sta"], ["status"]),
        (["template", "x", "--val"], ["--values"]),
        (["template", "x", "-f", ""], [FILES]),
        (["status", "x", "-o", ""], ["table", "json", "yaml"]),
        (["install", "x", "--dry-run", ""], ["client", "server", "none"]),
        (["completion", ""], ["bash", "fish", "zsh"]),
        (["operator", ""], ["convert", "manifests", "run"]),
        (["presets", "show", "nvidia-"], ["nvidia-pd", "nvidia-wide-ep"]),
        (["template", "x", "--preset", "s"], ["sim"]),
    ],
)
def test_completion_candidates(words: list[str], expected: list[str]) -> None:
    assert candidates(words) == expected


def test_completion_reads_the_users_preset_dirs(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("# my preset\ndecode:\n  replicas: 2\n")
    assert "mine" in candidates(["template", "x", "--preset-dir", str(tmp_path), "--preset", ""])


def test_bash_completion_script_completes(tmp_path: Path) -> None:
    script = subprocess.run(
        [sys.executable, "-m", "modelservice", "completion", "bash"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    shim = tmp_path / "modelservice"  # the script calls `modelservice` on PATH
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m modelservice "$@"\n')
    shim.chmod(0o755)
    test = (
        script
        + "COMP_WORDS=(modelservice template x --preset nvidia); COMP_CWORD=4; _modelservice\n"
        + 'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    out = subprocess.run(
        ["bash", "-c", test], capture_output=True, text=True, env=env, check=True, timeout=60
    ).stdout
    assert out.split() == ["nvidia-pd", "nvidia-wide-ep"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_other_shells_scripts_ask_the_same_helper(capsys: CaptureFixture, shell: str) -> None:
    code, out, _ = run_cli(["completion", shell], capsys)
    assert code == 0 and "modelservice __complete" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["template", "x"],
        ["validate", "x"],
        ["values"],
        ["schema"],
        ["version"],
        ["presets"],
        ["plan", "x"],
        ["completion", "bash"],
        ["operator", "manifests"],
        ["--help"],
        ["__complete", "te"],
    ],
)
def test_commands_that_need_no_cluster_do_not_import_lightkube(argv: list[str]) -> None:
    """Issue 14: only the commands that talk to a cluster pay for importing lightkube (and
    httpx, anyio); rich only draws the progress of --wait."""
    code = (
        "import contextlib, io, sys\n"
        "from modelservice.cli.main import main\n"
        "out, err = io.StringIO(), io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):\n"
        "    try:\n"
        f"        main({argv!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(json.loads(proc.stdout.replace("'", '"')))
    assert loaded.isdisjoint({"lightkube", "httpx", "anyio", "kopf", "rich"}), loaded
    if argv[0] in ("template", "validate"):
        # typing's import and NamedTuple machinery cost every run milliseconds: modules on
        # this path take TYPE_CHECKING = False and modelservice._record.Record instead.
        assert "typing" not in loaded
