"""The mining-right procedures as kinds of case (api/kinds.py): transfer (转让) and grant (出让)."""

from typing import TYPE_CHECKING

from api.kinds import Kind, register
from domain.rights import (
    GRANT_STAGE_NAMES,
    GRANT_TASK_NAMES,
    TRANSFER_CLOCK_RUNS_IN,
    TRANSFER_STAGE_NAMES,
    TRANSFER_TASK_NAMES,
    TRANSFER_WITHDRAWABLE,
    AuthorityLevel,
    GrantStage,
    TransferStage,
)
from domain.roles import Role
from models.rights_cases import GrantView, TransferView
from workflows.grant import GrantWorkflow
from workflows.transfer import TransferWorkflow

if TYPE_CHECKING:
    from api.deps import Principal


def _authority(level: AuthorityLevel) -> Role:
    return Role.CITY_NR if level is AuthorityLevel.CITY else Role.COUNTY_NR


def _transfer_extras(principal: "Principal", case: TransferView, in_jurisdiction: bool) -> list[str]:
    ent = principal.user.enterprise_id
    if principal.role is Role.ENTERPRISE and ent in (case.transferor_enterprise_id, case.transferee_enterprise_id) \
            and case.stage in TRANSFER_WITHDRAWABLE:
        return ["withdraw"]
    if principal.role is _authority(case.authority_level) and in_jurisdiction and case.stage in TRANSFER_CLOCK_RUNS_IN:
        return ["extend", "pause"]
    return []


def _grant_extras(principal: "Principal", case: GrantView, in_jurisdiction: bool) -> list[str]:
    if principal.role is _authority(case.authority_level) and in_jurisdiction and case.stage is GrantStage.PUBLICITY:
        return ["objection"]
    return []


TRANSFER = register(Kind(
    code="transfer", prefix="ZR", name="采矿权转让", workflow=TransferWorkflow, view=TransferView, family="rights",
    stage_names={s.value: n for s, n in TRANSFER_STAGE_NAMES.items()}, task_names=TRANSFER_TASK_NAMES,
    task_actions={t: t for t in TRANSFER_TASK_NAMES if t != "committee_decision"},
    extra_actions=_transfer_extras,  # type: ignore[arg-type]
    final_stages=frozenset({TransferStage.COMPLETED, TransferStage.REFUSED, TransferStage.LAPSED}),
))

GRANT = register(Kind(
    code="grant", prefix="CR", name="采矿权出让", workflow=GrantWorkflow, view=GrantView, family="rights",
    stage_names={s.value: n for s, n in GRANT_STAGE_NAMES.items()}, task_names=GRANT_TASK_NAMES,
    task_actions={t: t for t in GRANT_TASK_NAMES if t != "committee_decision"},
    extra_actions=_grant_extras,  # type: ignore[arg-type]
    final_stages=frozenset({GrantStage.COMPLETED, GrantStage.REFUSED, GrantStage.LAPSED}),
))
