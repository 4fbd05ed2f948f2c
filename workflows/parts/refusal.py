"""Refusals raised from validators: an `ApplicationError` whose type is a catalogue code the API maps to a 4xx."""

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.errors import CATALOGUE, ErrorCode


def refusal(code: ErrorCode, message: str | None = None, **details: Any) -> ApplicationError:
    return ApplicationError(message or CATALOGUE[code].message, details, type=code.value, non_retryable=True)
