"""Deployment options from llm-d-planner's benchmark data, and values files for them.

- :mod:`.options`: ``recommend``, ranked (model, GPU type, tensor parallelism, replicas)
  options for a use case and a user count, and the values file of a picked one
  (:mod:`.values`);
- :mod:`.predict`: what a release's decode pods should serve (``plan``, ``sweep``);
- :mod:`.source`: the bridge to llm-d-planner (the ``planner`` extra), the only module
  that imports it, and only when called.

Nothing is re-exported here: ``plan`` imports :mod:`.predict` on every run and should not
pay for the rest. The public names are ``modelservice.recommend`` and its types.
"""
