"""The public Python API; ``modelservice/__init__.py`` re-exports it.

A thin facade over :mod:`modelservice.pipeline` (and the values loader): internal layers
import the pipeline, never this module.
"""

from __future__ import annotations

from modelservice.pipeline import Rendered, render, render_release, validate_values
from modelservice.values.layering import load_values

__all__ = ["Rendered", "load_values", "render", "render_release", "validate_values"]
