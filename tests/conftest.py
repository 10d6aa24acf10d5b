"""Shared test configuration.

The cluster fixtures (``cluster``, ``namespace``, ``helm``, ...) live in
:mod:`tests.clusterenv` and are registered here, at the root, so that the cluster tests and
the operator tests share one session-scoped test cluster.
"""

pytest_plugins = ["tests.clusterenv"]
