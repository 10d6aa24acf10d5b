"""The ModelService operator: a custom resource whose spec is a values document, reconciled
with the same renderer and the same server-side apply as the CLI.

- :mod:`.crd`: the CustomResourceDefinition, generated from the values schema;
- :mod:`.desired`: the children a spec renders to, the ModelService's ownership marks, and
  desired-versus-live comparison;
- :mod:`.policy`: what the operator refuses to create for a ModelService's author;
- :mod:`.status`: the status computed from live children;
- :mod:`.reconciler`: the one reconcile every trigger runs (no kopf import);
- :mod:`.handlers`: the kopf handlers, watch caches and resync;
- :mod:`.manifests`: what installs the operator; :mod:`.runner`: ``operator run``.

Only :mod:`.handlers` and :mod:`.runner` need kopf (the ``operator`` extra).
"""
