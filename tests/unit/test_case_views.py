"""Case views read back by their kind, and what each requires of a 补正 form."""

import pytest

import api.procedures  # noqa: F401  (registers the procedures: their views are defined)
from domain.rights import TransferCondition, TransferMaterial
from models.cases import VIEWS, CaseViewBase, as_case_view
from models.reopening import ReopeningView
from models.rights_cases import ConditionResult, TransferView


def test_every_procedures_view_is_known_by_its_kind_and_read_back_as_its_own_class():
    # (a test may register a procedure of its own: tests/extension/site_inspection.py)
    assert set(VIEWS) >= {"reopening", "transfer", "grant", "campaign", "rectification", "closure"}
    assert VIEWS["reopening"] is ReopeningView  # not an API Out model extending it
    with pytest.raises(ValueError, match="nonsense"):
        as_case_view({"kind": "nonsense"})


def test_a_transfer_requires_the_supervisors_consent_of_state_owned_holders_only():
    consent = ConditionResult(condition=TransferCondition.SUPERVISOR_CONSENT, name="主管部门同意", clause="", met=True)
    private = TransferView.model_construct(conditions=[])
    state_owned = TransferView.model_construct(conditions=[consent])
    assert TransferMaterial.SUPERVISOR_CONSENT.value not in private.required_material_kinds()
    assert TransferMaterial.SUPERVISOR_CONSENT.value in state_owned.required_material_kinds()
    assert CaseViewBase.model_construct().required_material_kinds() is None  # other procedures: every kind
