"""Capacity plans (what a release needs, does it fit now) and benchmark sweeps."""

from modelservice.planning.plan import Plan, RolePlan, plan
from modelservice.planning.sweep import SweepFailure, SweepResult, Treatment, sweep

__all__ = ["Plan", "RolePlan", "SweepFailure", "SweepResult", "Treatment", "plan", "sweep"]
