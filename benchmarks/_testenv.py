"""The local test cluster for the benchmarks: started with ``testenv/run`` (or one already
running), its audit log read to count each command's requests, and the real helm binary
fetched the way the interoperability tests fetch it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from _common import ROOT


def fetch_helm() -> tuple[str, str]:
    """The helm binary (fetched as the interop tests fetch it, cached) and its version."""
    from bench_process import helm_binary

    helm = helm_binary()
    if helm is None:
        raise RuntimeError("the helm binary could not be fetched (tests/tools/fetch_helm.py)")
    version = subprocess.run(
        [helm, "version", "--short"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return helm, version


class Testenv:
    """A running ``testenv/run``: its kubeconfig, audit log and root process."""

    def __init__(self, kubeconfig: str, audit_log: str | None, pid: int | None = None) -> None:
        self.kubeconfig = kubeconfig
        self.audit_log = audit_log
        self.pid = pid


@contextmanager
def testenv(
    workdir: Path,
    *,
    extra: Sequence[str] = (),
    audit: bool = True,
) -> Iterator[Testenv]:
    """Start a local test cluster as the cluster tests start it (a cold build takes
    minutes), or use the one named by ``MODELSERVICE_BENCH_KUBECONFIG`` (its audit log, if
    any, by ``MODELSERVICE_BENCH_AUDIT_LOG``)."""
    given = os.environ.get("MODELSERVICE_BENCH_KUBECONFIG")
    if given:
        yield Testenv(given, os.environ.get("MODELSERVICE_BENCH_AUDIT_LOG"))
        return
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.clusterenv import start_testenv, stop_testenv

    audit_log = workdir / "audit.log" if audit else None
    args = [*extra, *([f"--audit-log={audit_log}"] if audit_log else [])]
    env = start_testenv(workdir / "kubeconfig", args, echo=False)
    try:
        yield Testenv(env.kubeconfig, str(audit_log) if audit_log else None, env.proc.pid)
    finally:
        stop_testenv(env, check=False)


class AuditCounter:
    """Requests per user agent in the API server's audit log, since a mark."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.offset = 0
        self.since = 0.0

    def mark(self) -> None:
        self.since = time.time()
        if self.path and os.path.exists(self.path):
            self.offset = os.path.getsize(self.path)

    def count(self, agents: tuple[str, ...], settle: float = 0.3) -> int | None:
        """Distinct requests whose user agent starts with one of ``agents`` since the mark
        (after ``settle`` seconds, for watches the server closes after the client left)."""
        if not self.path or not os.path.exists(self.path):
            return None
        time.sleep(settle)
        ids: set[str] = set()
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            for line in f:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if not str(event.get("userAgent", "")).startswith(agents):
                    continue
                received = _epoch(str(event.get("requestReceivedTimestamp", "")))
                if received is not None and received < self.since - 0.05:
                    continue  # a watch of the command before, closed late
                ids.add(str(event.get("auditID")))
        return len(ids)


def _epoch(stamp: str) -> float | None:
    from datetime import datetime

    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
