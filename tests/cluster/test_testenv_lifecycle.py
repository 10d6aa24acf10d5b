"""testenv/run itself: a second instance starts, serves, and leaves nothing behind when stopped."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from lightkube.resources.core_v1 import Node

pytestmark = pytest.mark.cluster


def descendants(pid: int) -> set[int]:
    """Every live process below pid, from /proc."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


def start_second(tmp_path, testenv_tools):
    kubeconfig = tmp_path / "second" / "kubeconfig"
    env = testenv_tools.start(
        kubeconfig, ["--gpu-nodes", "1", "--cpu-nodes", "1"], timeout=600, echo=False
    )
    server = urlparse(
        yaml.safe_load(Path(env.kubeconfig).read_text())["clusters"][0]["cluster"]["server"]
    )
    procs = descendants(env.proc.pid)
    names = {
        Path(os.readlink(f"/proc/{p}/exe")).name.split("-")[0]
        for p in procs
        if testenv_tools.alive(p)
    }
    return env, server, procs, names


def test_second_instance_stops_cleanly(tmp_path, testenv_tools, cluster):
    # `cluster` is requested so that the session env runs too: two envs side by side.
    env, server, procs, names = start_second(tmp_path, testenv_tools)
    assert server.hostname == "127.0.0.1"
    assert {"controlplane", "kwok", "lws"} <= names, names
    client = testenv_tools.make_client(env.kubeconfig)
    assert sorted(n.metadata.name for n in client.list(Node)) == ["cpu-node-0", "gpu-node-0"]
    assert env.data_dir is not None and env.data_dir.is_dir()
    assert port_open(server.hostname, server.port)

    testenv_tools.stop(env)  # SIGTERM, wait, and its own checks

    assert env.proc.returncode == 0
    assert [p for p in procs | {env.proc.pid} if testenv_tools.alive(p)] == []
    assert testenv_tools.processes_mentioning(str(env.data_dir)) == []
    assert not env.data_dir.exists()
    assert not Path(env.kubeconfig).exists()
    assert not port_open(server.hostname, server.port)
    # The session environment is unaffected.
    assert len(list(cluster.client.list(Node))) == 6


def test_everything_stops_when_the_supervisor_is_killed(tmp_path, testenv_tools):
    env, server, procs, names = start_second(tmp_path, testenv_tools)
    assert {"controlplane", "kwok", "lws"} <= names, names
    assert env.data_dir is not None
    # testenv/run gets no chance to clean up: the kernel's parent-death signal must stop
    # the control plane (SIGTERM, so it still removes its data), which takes its children.
    os.kill(env.proc.pid, signal.SIGKILL)
    env.proc.wait(timeout=10)
    deadline = time.monotonic() + 20
    # The port too: a Go process's leader thread turns zombie (not "alive") while its other
    # threads still exit, and its sockets close only with the last of them.
    while time.monotonic() < deadline and (
        any(testenv_tools.alive(p) for p in procs)
        or env.data_dir.exists()
        or port_open(server.hostname, server.port)
    ):
        time.sleep(0.2)
    try:
        assert [p for p in procs if testenv_tools.alive(p)] == []
        assert testenv_tools.processes_mentioning(str(env.data_dir)) == []
        assert not port_open(server.hostname, server.port)
        assert not env.data_dir.exists()
    finally:
        for p in procs:
            if testenv_tools.alive(p):
                os.kill(p, signal.SIGKILL)
        shutil.rmtree(env.data_dir, ignore_errors=True)
