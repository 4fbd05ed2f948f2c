"""Deterministic procedures. No I/O here: every side effect is an activity, every clock is `workflow.now()`."""
