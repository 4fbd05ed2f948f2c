"""All I/O of the procedures: the projection, document numbers, the audit chain and working-day arithmetic.

Every activity is idempotent by key, so Temporal's at-least-once retries never duplicate an effect.
"""
