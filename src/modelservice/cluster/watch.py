"""Waiting by watching: readiness and deletion followed as the API server reports them.

Polling asks about every object every second and learns of a change up to a second late;
a watch (Helm 4's kstatus waiter watches too) is told of each change as it is stored. Each
object that is not ready yet gets one watch, opened at the ``resourceVersion`` of the
object as the apply returned it, so no change made after the apply can be missed and
nothing already known is sent again; objects that are ready in the apply's own answer
(kinds without a readiness rule, routes no controller reports on) cost no request at all.
A watch that ends early (the server's timeout, a dropped connection) is opened again from
the last version seen; a version too old to watch from (410 Gone) is replaced by a fresh
read. Readiness itself is judged by the predicates of :mod:`.wait`.

The watches run on threads, one connection each; the caller's thread collects their
events, reports progress, and closes them all when done or out of time.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from modelservice.cluster.client import Api, Watch
from modelservice.cluster.errors import ClusterError
from modelservice.cluster.wait import Readiness, readiness

Obj = dict[str, Any]
ProgressFn = Callable[[list[Readiness]], None]

#: Marks an object the watch saw deleted.
GONE: Obj = {}


def _meta(obj: Obj) -> dict[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, dict) else {}


def _state(obj: Obj | None, template: Obj) -> Readiness:
    return readiness(obj, str(template["kind"]), str(_meta(template).get("name") or ""))


class _Follower(threading.Thread):
    """Follows one object: puts (index, object or GONE) on the queue at every change."""

    def __init__(
        self,
        api: Api,
        index: int,
        obj: Obj,
        namespace: str | None,
        deadline: float,
        events: queue.Queue[tuple[int, Obj | BaseException]],
        stop: threading.Event,
    ) -> None:
        super().__init__(name=f"watch-{obj.get('kind')}-{_meta(obj).get('name')}", daemon=True)
        self.api = api
        self.index = index
        self.obj = obj
        self.namespace = namespace
        self.deadline = deadline
        self.events = events
        self.stop = stop
        self.stream: Watch | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            stream = self.stream
        if stream is not None:
            stream.close()

    def run(self) -> None:
        try:
            self._follow()
        except BaseException as exc:  # handed to the waiting thread, which raises it
            if not self.stop.is_set():
                self.events.put((self.index, exc))

    def _follow(self) -> None:
        api_version, kind = str(self.obj["apiVersion"]), str(self.obj["kind"])
        name = str(_meta(self.obj).get("name") or "")
        version = str(_meta(self.obj).get("resourceVersion") or "")
        while not self.stop.is_set():
            left = self.deadline - time.monotonic()
            if left <= 0:
                return
            if not version:
                version = self._read(api_version, kind, name)
                if self.stop.is_set() or not version:
                    return
            stream = self.api.watch(
                api_version,
                kind,
                namespace=self.namespace,
                name=name,
                resource_version=version,
                timeout=left,
            )
            with self._lock:
                self.stream = stream
            if self.stop.is_set():
                stream.close()
                return
            seen = False
            for type_, obj in stream:
                seen = True
                if type_ == "ERROR":
                    if obj.get("code") == 410:  # too old: read it afresh, watch from there
                        version = ""
                        break
                    raise ClusterError(
                        f"watching {kind}/{name} failed: {obj.get('message') or obj}"
                    )
                version = str(_meta(obj).get("resourceVersion") or version)
                if type_ == "BOOKMARK":
                    continue
                self.events.put((self.index, GONE if type_ == "DELETED" else obj))
            stream.close()
            if not seen:
                # Ended with nothing to say (the server's timeout, a dropped connection):
                # open it again, but not in a tight loop.
                self.stop.wait(0.2)

    def _read(self, api_version: str, kind: str, name: str) -> str:
        """The object now (sent as an event), and its version to watch from."""
        live = self.api.get(api_version, kind, name, self.namespace)
        self.events.put((self.index, GONE if live is None else live))
        return str(_meta(live).get("resourceVersion") or "") if live else ""


def _follow_all(
    api: Api,
    objects: Sequence[Obj],
    indexes: Sequence[int],
    namespace_of: Callable[[Obj], str | None],
    timeout: float,
    on_event: Callable[[int, Obj], bool],
) -> bool:
    """Watch ``objects[i]`` for each i in ``indexes`` until ``on_event`` says done (True) or
    ``timeout`` passes (False)."""
    deadline = time.monotonic() + timeout
    events: queue.Queue[tuple[int, Obj | BaseException]] = queue.Queue()
    stop = threading.Event()
    followers = [
        _Follower(api, i, objects[i], namespace_of(objects[i]), deadline, events, stop)
        for i in indexes
    ]
    for f in followers:
        f.start()
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                index, item = events.get(timeout=left)
            except queue.Empty:
                return False
            if isinstance(item, BaseException):
                raise item
            if on_event(index, item):
                return True
    finally:
        stop.set()
        for f in followers:
            f.close()


def wait_ready(
    api: Api,
    objects: Sequence[Obj],
    *,
    timeout: float,
    namespace_of: Callable[[Obj], str | None],
    progress: ProgressFn | None = None,
) -> list[Readiness]:
    """Wait until every object is ready at once; ``objects`` are the live objects as the
    apply returned them. Returns the last states (some not ready when time ran out)."""
    # An object that was not read (no uid) is missing until a watch says otherwise.
    states = [_state(o if _meta(o).get("uid") else None, o) for o in objects]
    if progress is not None:
        progress(list(states))
    waiting = [i for i, s in enumerate(states) if not s.ready]
    if not waiting:
        return states

    def changed(index: int, obj: Obj) -> bool:
        new = _state(None if obj is GONE else obj, objects[index])
        if new == states[index]:
            return False
        states[index] = new
        if progress is not None:
            progress(list(states))
        return all(s.ready for s in states)

    _follow_all(api, objects, waiting, namespace_of, timeout, changed)
    return states


def wait_deleted(
    api: Api,
    objects: Sequence[Obj],
    *,
    timeout: float,
    namespace_of: Callable[[Obj], str | None],
) -> list[Obj]:
    """Wait until each object (as its DELETE answered, still terminating) is gone.
    Returns those still there when time ran out."""
    if not objects:
        return []
    remaining = set(range(len(objects)))

    def changed(index: int, obj: Obj) -> bool:
        if obj is GONE:
            remaining.discard(index)
        return not remaining

    _follow_all(api, objects, range(len(objects)), namespace_of, timeout, changed)
    return [objects[i] for i in sorted(remaining)]
