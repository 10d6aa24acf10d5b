"""Values input is bounded. ``-f /dev/zero``, ``--set-file
/dev/zero`` and endless standard input used to grow without bound (5 GB, exit 70), and a
50 MB values file took 24 s and 1.4 GB before a misleading "alias bomb?" error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import modelservice
from modelservice.values.yamlfile import (
    INPUT_LIMIT_ENV,
    MAX_COMPOSED_NODES,
    MAX_INPUT_BYTES,
    load_yaml,
)

LIMIT_TEXT = "larger than the input limit of 4 MiB"


def problems(err: pytest.ExceptionInfo[modelservice.ValuesError]) -> list[str]:
    return [str(p) for p in err.value.problems]


def test_values_file_from_a_device_is_read_up_to_the_cap() -> None:
    with pytest.raises(modelservice.ValuesError) as err:
        modelservice.load_values(files=["/dev/zero"])
    assert problems(err) == [
        f"{LIMIT_TEXT}; values this large are not a values file (set {INPUT_LIMIT_ENV} to raise "
        "the limit) (/dev/zero)"
    ]


def test_set_file_from_a_device_is_read_up_to_the_cap() -> None:
    with pytest.raises(modelservice.ValuesError) as err:
        modelservice.load_values(set_files=["routing.modelName=/dev/zero"])
    assert len(err.value.problems) == 1
    assert LIMIT_TEXT in problems(err)[0] and "--set-file /dev/zero" in problems(err)[0]


def test_endless_standard_input_is_cut_at_the_cap() -> None:
    with open("/dev/zero", "rb") as zero:
        proc = subprocess.run(
            [sys.executable, "-m", "modelservice.cli.main", "template", "x", "-f", "-"],
            stdin=zero,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 1 and proc.stdout == ""
    assert LIMIT_TEXT in proc.stderr and "<stdin>" in proc.stderr, proc.stderr


def test_a_large_values_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    line = "  key: " + "v" * 57 + "\n"
    with big.open("w") as f:
        f.write("extra:\n")
        for _ in range(50 * 1024 * 1024 // len(line)):
            f.write(line)
    with pytest.raises(modelservice.ValuesError) as err:
        modelservice.load_values(files=[str(big)])
    assert LIMIT_TEXT in problems(err)[0] and "alias bomb" not in problems(err)[0]


def test_the_node_budget_applies_while_reading() -> None:
    text = "a: [" + ",".join("1" for _ in range(MAX_COMPOSED_NODES + 10)) + "]\n"
    assert len(text) < MAX_INPUT_BYTES
    with pytest.raises(modelservice.ValuesError) as err:
        load_yaml(text, "many.yaml")
    assert problems(err) == [
        f"more than {MAX_COMPOSED_NODES:,} YAML nodes; refusing to read further (many.yaml:1)"
    ]
    ok = "a: [" + ",".join("1" for _ in range(1000)) + "]\n"
    assert len(load_yaml(ok, "ok.yaml")["a"]) == 1000


def test_the_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    values = tmp_path / "v.yaml"
    values.write_text("decode:\n  replicas: 2\n" + "# padding\n" * 20)
    monkeypatch.setenv(INPUT_LIMIT_ENV, "64")
    with pytest.raises(modelservice.ValuesError) as err:
        modelservice.load_values(files=[str(values)])
    assert "larger than the input limit of 64 bytes" in problems(err)[0]
    monkeypatch.setenv(INPUT_LIMIT_ENV, str(10 * 1024 * 1024))
    assert modelservice.load_values(files=[str(values)]).user == {"decode": {"replicas": 2}}
    monkeypatch.setenv(INPUT_LIMIT_ENV, "lots")
    with pytest.raises(modelservice.ValuesError, match="is not a number of bytes"):
        modelservice.load_values(files=[str(values)])


def test_a_fifo_is_read_with_the_cap(tmp_path: Path) -> None:
    fifo = tmp_path / "values.fifo"
    os.mkfifo(fifo)
    writer = subprocess.Popen(
        [sys.executable, "-c", f"open({str(fifo)!r}, 'w').write('decode:\\n  replicas: 3\\n')"]
    )
    try:
        assert modelservice.load_values(files=[str(fifo)]).user == {"decode": {"replicas": 3}}
    finally:
        writer.wait(timeout=30)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(modelservice.ValuesError) as err:
        modelservice.load_values(files=[str(tmp_path)])
    assert problems(err) == [f"values file is a directory ({tmp_path})"]
