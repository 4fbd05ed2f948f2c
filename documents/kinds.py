"""The documents a case can issue: what each is called and its 文号 type. Which case views each serves is its
builder's own check (documents/builders.py), so no list here names a procedure."""

from dataclasses import dataclass
from enum import StrEnum


class DocumentKind(StrEnum):
    ACCEPTANCE_NOTICE = "acceptance_notice"  # 受理通知书
    CORRECTION_NOTICE = "correction_notice"  # 一次性告知补正通知书
    JOINT_ACCEPTANCE_SUMMARY = "joint_acceptance_summary"  # 联合验收意见汇总表
    REOPENING_APPROVAL = "reopening_approval"  # 开复工批复
    REOPENING_REFUSAL = "reopening_refusal"  # 不予开复工决定
    TRANSFER_APPROVAL = "transfer_approval"  # 准予转让决定书
    TRANSFER_REFUSAL = "transfer_refusal"  # 不予转让决定书
    GRANT_CONFIRMATION = "grant_confirmation"  # 出让成交确认书
    GRANT_PUBLICITY = "grant_publicity"  # 出让结果公示
    RECTIFICATION_NOTICE = "rectification_notice"  # 整改通知书
    RECTIFICATION_CLEARANCE = "rectification_clearance"  # 销号单
    CLOSURE_ACCEPTANCE = "closure_acceptance"  # 关闭取缔验收表


@dataclass(frozen=True)
class KindSpec:
    name: str
    doc_type: str  # 文号 type: 中宁 + doc_type + 〔2026〕N号, one sequence per issuing bureau, type and year
    # The number the workflow drew already (the view's `document_no`, purpose as in workflows/), reused so the
    # document and the case show one number.
    workflow_purpose: str | None = None


SPECS: dict[DocumentKind, KindSpec] = {
    DocumentKind.ACCEPTANCE_NOTICE: KindSpec("受理通知书", "自然资受"),
    DocumentKind.CORRECTION_NOTICE: KindSpec("一次性告知补正通知书", "自然资补"),
    DocumentKind.JOINT_ACCEPTANCE_SUMMARY: KindSpec("联合验收意见汇总表", "自然资验"),
    DocumentKind.REOPENING_APPROVAL: KindSpec("开复工批复", "自然资复", "reopening_approval"),
    DocumentKind.REOPENING_REFUSAL: KindSpec("不予开复工决定书", "自然资不许"),
    DocumentKind.TRANSFER_APPROVAL: KindSpec("准予转让决定书", "自然资转", "transfer_approval"),
    DocumentKind.TRANSFER_REFUSAL: KindSpec("不予转让决定书", "自然资不许"),
    DocumentKind.GRANT_CONFIRMATION: KindSpec("出让成交确认书", "自然资出"),
    DocumentKind.GRANT_PUBLICITY: KindSpec("出让结果公示", "自然资公"),
    DocumentKind.RECTIFICATION_NOTICE: KindSpec("整改通知书", "自然资整"),
    DocumentKind.RECTIFICATION_CLEARANCE: KindSpec("整改销号单", "自然资销"),
    DocumentKind.CLOSURE_ACCEPTANCE: KindSpec("关闭取缔验收表", "自然资关"),
}
