"""Run a real endpoint picker (EPP) binary against a release and talk to it as a gateway does.

The EPP runs as a local process with the args of the release's rendered EPP container
(only its ports moved to free local ones and its config file path pointed at the rendered
ConfigMap's file written out), authenticated with a TokenRequest token of the rendered EPP
ServiceAccount, so that the rendered Role and RoleBinding are all that grant its access.

Its ext-proc server speaks TLS with a self-signed certificate that names no host (GAIE's
``--secure-serving`` default, as gateways meet it); Python's gRPC cannot skip verification,
so :class:`TlsRelay` terminates TLS for the client the way a gateway configured with
``insecureSkipVerify`` does, and forwards the HTTP/2 bytes unchanged.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import yaml
from envoy.config.core.v3 import base_pb2
from envoy.service.ext_proc.v3 import external_processor_pb2 as ext_proc
from envoy.service.ext_proc.v3 import external_processor_pb2_grpc as ext_proc_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from lightkube import Client
from lightkube.models.authentication_v1 import TokenRequestSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import ServiceAccount

DESTINATION = "x-gateway-destination-endpoint"
#: Flags that carry a port, in both eras' spellings; each gets a free local port.
PORT_FLAGS = {
    "--grpc-port": "grpc",
    "--grpcPort": "grpc",
    "--grpc-health-port": "health",
    "--grpcHealthPort": "health",
    "--metrics-port": "metrics",
    "--metricsPort": "metrics",
}
CONFIG_FLAGS = ("--config-file", "--configFile")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def epp_pod(objects: list[dict[str, Any]]) -> dict[str, Any]:
    deps = [
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"].endswith("-epp")
    ]
    assert len(deps) == 1, "the release renders no EPP Deployment"
    pod: dict[str, Any] = deps[0]["spec"]["template"]["spec"]
    return pod


def local_args(objects: list[dict[str, Any]], workdir: Path) -> tuple[list[str], dict[str, int]]:
    """The rendered EPP container's args with ports remapped and the config file written
    out; the metrics port is added (as its default would be) when the args lack one, so
    that two pickers never collide on it."""
    pod = epp_pod(objects)
    container = pod["containers"][0]
    args = [str(a) for a in container["args"]]
    ports: dict[str, int] = {}
    for i, flag in enumerate(args[:-1]):
        if flag in PORT_FLAGS:
            ports[PORT_FLAGS[flag]] = free_port()
            args[i + 1] = str(ports[PORT_FLAGS[flag]])
        elif flag in CONFIG_FLAGS:
            args[i + 1] = str(_write_config(objects, pod, args[i + 1], workdir))
    if "metrics" not in ports:
        ports["metrics"] = free_port()
        flag = "--metrics-port" if "--grpc-port" in args else "--metricsPort"
        args += [flag, str(ports["metrics"])]
    assert {"grpc", "health"} <= set(ports), f"rendered args carry no gRPC ports: {args}"
    return args, ports


def _write_config(
    objects: list[dict[str, Any]], pod: dict[str, Any], path: str, workdir: Path
) -> Path:
    """The file the container would see at ``path``: a key of the ConfigMap mounted there."""
    container = pod["containers"][0]
    mount = next(m for m in container["volumeMounts"] if path.startswith(m["mountPath"] + "/"))
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    cm = next(
        o
        for o in objects
        if o["kind"] == "ConfigMap" and o["metadata"]["name"] == volume["configMap"]["name"]
    )
    key = path[len(mount["mountPath"]) + 1 :]
    out = workdir / key
    out.write_text(cm["data"][key])
    return out


def service_account_kubeconfig(
    client: Client, admin_kubeconfig: str, sa: str, namespace: str, path: Path
) -> Path:
    """A kubeconfig that authenticates as ``namespace/sa`` with a fresh TokenRequest token
    (no admin certificate in it)."""
    token = token_for(client, sa, namespace)
    admin = yaml.safe_load(Path(admin_kubeconfig).read_text())
    cluster = admin["clusters"][0]["cluster"]
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": cluster}],
                "users": [{"name": sa, "user": {"token": token}}],
                "contexts": [{"name": "c", "context": {"cluster": "c", "user": sa}}],
                "current-context": "c",
            }
        )
    )
    return path


def token_for(client: Client, sa: str, namespace: str) -> str:
    req = ServiceAccount.Token(
        metadata=ObjectMeta(name=sa, namespace=namespace),
        spec=TokenRequestSpec(audiences=[], expirationSeconds=3600),
    )
    made = client.create(req, sa, namespace=namespace)
    assert made.status is not None
    return str(made.status.token)


@dataclass
class EppProcess:
    proc: subprocess.Popen[bytes]
    ports: dict[str, int]
    log: Path
    relay: TlsRelay | None = None
    args: list[str] = field(default_factory=list)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, n: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])

    # --- health

    def health(self, service: str) -> str:
        with grpc.insecure_channel(f"127.0.0.1:{self.ports['health']}") as ch:
            stub = health_pb2_grpc.HealthStub(ch)
            try:
                resp = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=2)
            except grpc.RpcError as exc:
                return f"unreachable ({exc.code().name})"
            return str(health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status))

    def wait_health(self, service: str, want: str = "SERVING", timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        status = ""
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"the EPP exited with {self.proc.returncode}; log tail:\n{self.tail()}"
                )
            status = self.health(service)
            if status == want:
                return status
            time.sleep(0.5)
        return status

    def wait_ext_proc(self, timeout: float = 90) -> None:
        """The ext-proc server listens only once it has made its self-signed certificate
        (a 4096-bit RSA key: seconds on a busy machine), after health may say SERVING."""
        assert self.relay is not None
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.relay.ctx.wrap_socket(
                    socket.create_connection(("127.0.0.1", self.ports["grpc"]), timeout=5)
                ) as s:
                    assert s.selected_alpn_protocol() == "h2"
                    return
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise AssertionError(
                        f"the ext-proc port never accepted TLS; log tail:\n{self.tail()}"
                    ) from None
                time.sleep(0.5)

    # --- metrics

    def pods_seen(self, token: str) -> set[str]:
        """The pods in the picker's datastore: one ``inference_pool_per_pod_queue_size``
        series each."""
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.ports['metrics']}/metrics",
            headers={"Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(req, timeout=5) as resp:
            text = resp.read().decode()
        return set(
            re.findall(
                r'^inference_pool_per_pod_queue_size\{[^}]*model_server_pod="([^"]+)"', text, re.M
            )
        )

    def metrics_status(self, token: str) -> int:
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.ports['metrics']}/metrics",
            headers={"Authorization": f"Bearer {token}"},
        )
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    # --- ext-proc

    def ext_proc(self, model: str, prompt: str) -> ExtProcAnswer:
        """One request as a gateway (Envoy's ext_proc filter, body in one message) sends it."""
        assert self.relay is not None
        body = json.dumps({"model": model, "prompt": prompt, "max_tokens": 8}).encode()
        headers = [
            (":method", "POST"),
            (":path", "/v1/completions"),
            (":authority", "inference-gateway"),
            (":scheme", "http"),
            ("content-type", "application/json"),
            ("content-length", str(len(body))),
            ("x-request-id", str(uuid.uuid4())),
        ]
        messages = [
            ext_proc.ProcessingRequest(
                request_headers=ext_proc.HttpHeaders(
                    headers=base_pb2.HeaderMap(
                        headers=[
                            base_pb2.HeaderValue(key=k, raw_value=v.encode()) for k, v in headers
                        ]
                    ),
                    end_of_stream=False,
                )
            ),
            ext_proc.ProcessingRequest(
                request_body=ext_proc.HttpBody(body=body, end_of_stream=True)
            ),
        ]
        with grpc.insecure_channel(f"127.0.0.1:{self.relay.port}") as ch:
            stub = ext_proc_grpc.ExternalProcessorStub(ch)
            responses = list(stub.Process(iter(messages), timeout=10))
        return ExtProcAnswer.of(responses)


@dataclass
class ExtProcAnswer:
    destination: str | None
    """``IP:port`` the picker chose (dynamic metadata ``envoy.lb``), or None."""
    header: str | None
    """The same as a request header, as the picker also sets it."""
    status: int | None
    """The HTTP status of an immediate response (a refusal), or None."""
    message: str
    raw: list[Any]

    @classmethod
    def of(cls, responses: list[Any]) -> ExtProcAnswer:
        destination = header = None
        status = None
        message = ""
        for r in responses:
            if r.HasField("dynamic_metadata"):
                lb = r.dynamic_metadata.fields.get("envoy.lb")
                if lb is not None and DESTINATION in lb.struct_value.fields:
                    destination = lb.struct_value.fields[DESTINATION].string_value
            if r.HasField("request_headers"):
                for h in r.request_headers.response.header_mutation.set_headers:
                    if h.header.key == DESTINATION:
                        header = (h.header.raw_value or h.header.value.encode()).decode()
            if r.HasField("immediate_response"):
                status = int(r.immediate_response.status.code)
                message = (
                    r.immediate_response.body.decode(errors="replace")
                    if isinstance(r.immediate_response.body, bytes)
                    else str(r.immediate_response.body)
                )
        return cls(destination, header, status, message, responses)


class TlsRelay:
    """A plaintext local port whose connections are carried over TLS (no verification,
    ALPN h2) to the EPP's ext-proc port."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port: int = self.sock.getsockname()[1]
        self.peer_cert: bytes | None = None
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE
        self.ctx.set_alpn_protocols(["h2"])
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe, args=(conn,), daemon=True).start()

    def _pipe(self, conn: socket.socket) -> None:
        try:
            upstream = self.ctx.wrap_socket(socket.create_connection(self.target, timeout=10))
        except OSError:
            conn.close()
            return
        self.peer_cert = upstream.getpeercert(binary_form=True)
        upstream.settimeout(None)
        conn.settimeout(None)
        pairs = {conn: upstream, upstream: conn}
        try:
            while not self._stop.is_set():
                # A TLS socket may hold decrypted bytes select() cannot see.
                ready = [upstream] if upstream.pending() else []
                if not ready:
                    ready, _, _ = select.select(list(pairs), [], [], 0.5)
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    pairs[s].sendall(data)
        except OSError:
            return
        finally:
            conn.close()
            upstream.close()

    def close(self) -> None:
        self._stop.set()
        self.sock.close()


@contextmanager
def run_epp(
    binary: Path, objects: list[dict[str, Any]], kubeconfig: Path, workdir: Path
) -> Iterator[EppProcess]:
    """Start the EPP binary with the rendered args; stop it (only it) afterwards."""
    args, ports = local_args(objects, workdir)
    log = workdir / "epp.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBERNETES_")}
    env["KUBECONFIG"] = str(kubeconfig)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(binary), *args], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir
        )
    epp = EppProcess(proc, ports, log, TlsRelay(ports["grpc"]), args)
    try:
        yield epp
    finally:
        assert epp.relay is not None
        epp.relay.close()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
