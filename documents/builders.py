"""One builder per document kind: the case view in, the document's words out (title, 主送, 正文, tables, 抄送).

Pure: no database, no clock. What the server decides — number, date, issuing bureau — comes in as `Issue`; a
view that has not reached the point where the document exists is refused with DOCUMENT_NOT_AVAILABLE. Citations
of the seeds become the documents' titles here (《中卫市矿产资源开采治理整顿工作方案》二（二）一): a citizen reads
titles, not our reviewers' shorthand.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from documents.kinds import SPECS, DocumentKind
from domain.calendar import CHINA_TZ
from domain.campaign import CLOSURE_STEP_BY_STAGE, KEY_CHECKS, PUBLICITY_CLAUSE, RECT_STAGE_NAMES
from domain.cases import Status
from domain.citations import SEED_TITLES, cite
from domain.errors import DomainError, ErrorCode
from domain.reopening import JOINT_ACCEPTANCE_CLAUSE, MATERIAL_NAMES, REQUIRED_MATERIALS
from domain.rights import (
    GRANT_MODE_NAMES,
    SCALE_NAMES,
    TRANSFER_DECISION_CLAUSE,
    TRANSFER_MATERIAL_NAMES,
    TRANSFER_MATERIALS_CLAUSE,
    AuthorityLevel,
)
from models.campaign import ClosureView, RectificationView
from models.cases import CaseViewBase, MaterialBase, Round
from models.reopening import ReopeningView
from models.rights_cases import GrantView, TransferView

LICENSING_LAW = "《中华人民共和国行政许可法》"
# 行政许可法 第三十八条第二款: a refusal states its reasons and the applicant's remedies; 行政复议法 第二十条 (60 日)
# and 行政诉讼法 第四十六条 (6 个月) give the periods.
REMEDY = ("如不服本决定，可以自收到本决定书之日起六十日内向{reviewer}申请行政复议，"
          "也可以自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。")


@dataclass(frozen=True)
class Issue:
    """What the server decides: the number, the date and the issuing bureau."""

    doc_no: str
    issued_on: date
    issuer: str  # 发文机关, e.g. 中宁县自然资源局
    government: str  # the people's government above it (行政复议机关), e.g. 中宁县人民政府
    city_bureau: str  # the city's 自然资源局, where approvals are filed (备案), e.g. 中卫市自然资源局


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    caption: str = ""
    widths: list[int] | None = None  # percent of the text width, per column


@dataclass
class Content:
    title: str
    addressee: str | None  # 主送
    blocks: list[str | list[str] | Table]  # a paragraph, a numbered list, or a table
    cc: list[str] = field(default_factory=list)  # 抄送
    closing: str | None = None  # 此复。/ 特此通知。
    form: bool = False  # a form (汇总表, 验收表): tables first, no 主送


def cn_date(value: date | datetime | None) -> str:
    """成文日期 as GB/T 9704-2012 writes it: 2026年12月4日 (Arabic numerals, no leading zeros)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(CHINA_TZ).date()
    return f"{value.year}年{value.month}月{value.day}日"


def unavailable(kind: DocumentKind, why: str) -> DomainError:
    return DomainError(ErrorCode.DOCUMENT_NOT_AVAILABLE, f"尚不能出具{SPECS[kind].name}：{why}", {"kind": kind.value})


def money(wan_yuan: float) -> str:
    return f"{wan_yuan:,.2f}万元"


# ---- 开复工 --------------------------------------------------------------------------------------------------------

def given(material: MaterialBase) -> str:
    """How a material was given, for a notice's list: its reference, and how many files were uploaded for it."""
    uploaded = f"电子文件 {len(material.files)} 份" if material.files else ""
    return "，".join(part for part in (material.ref, uploaded) if part)


def acceptance_notice(view: CaseViewBase, issue: Issue) -> Content:
    kind = DocumentKind.ACCEPTANCE_NOTICE
    if isinstance(view, ReopeningView):
        if not view.rounds:
            raise unavailable(kind, "申请尚未受理")
        subject, addressee = f"{view.mine_name}开复工申请", view.enterprise_name
        materials = [[str(i), MATERIAL_NAMES.get(m.kind, m.kind.value), given(m)]
                     for i, m in enumerate(view.materials, 1)]
    elif isinstance(view, TransferView):
        if view.stage in ("joint_application", "review", "correction") or (view.decision is None
                                                                             and view.status is not Status.ACTIVE):
            raise unavailable(kind, "申请尚未受理")
        subject = f"{view.mine_name}采矿权（许可证号 {view.right_licence_no}）转让申请"
        addressee = f"{view.transferor_name}、{view.transferee_name}"
        materials = [[str(i), TRANSFER_MATERIAL_NAMES.get(m.kind, m.kind.value), given(m)]
                     for i, m in enumerate(view.materials, 1)]
    else:
        raise unavailable(kind, "该类案件不出具受理通知书")
    return Content(
        title="受理通知书", addressee=addressee, closing="特此通知。",
        blocks=[
            f"你单位于{cn_date(view.submitted_at)}提交的{subject}（案件编号：{view.case_id}）收悉。经审查，申请材料"
            f"齐全、符合法定形式，根据{LICENSING_LAW}第三十二条第一款第（五）项的规定，本机关决定予以受理。",
            "本机关将在法定期限内作出决定。补正、联合验收、整改、听证和专家评审等所需时间不计入审批期限。",
            Table(["序号", "已收材料", "材料编号"], materials, caption="已收材料清单", widths=[10, 55, 35]),
        ])


def correction_notice(view: CaseViewBase, issue: Issue) -> Content:
    kind = DocumentKind.CORRECTION_NOTICE
    if isinstance(view, ReopeningView):
        clauses = {rule.kind: rule.clause for rule in REQUIRED_MATERIALS}
        items = [[str(i), MATERIAL_NAMES.get(m, m.value), cite(clauses.get(m, ""))]
                 for i, m in enumerate(view.missing, 1)]
        subject, addressee = f"{view.mine_name}开复工申请", view.enterprise_name
        due = view.correction_due_at
    elif isinstance(view, TransferView):
        items = [[str(i), TRANSFER_MATERIAL_NAMES.get(m, m.value), TRANSFER_MATERIALS_CLAUSE]
                 for i, m in enumerate(view.missing, 1)]
        subject = f"{view.mine_name}采矿权（许可证号 {view.right_licence_no}）转让申请"
        addressee, due = f"{view.transferor_name}、{view.transferee_name}", view.correction_due_at
    else:
        raise unavailable(kind, "该类案件不出具补正通知书")
    if not items:
        raise unavailable(kind, "没有需要补正的材料")
    due_text = f"请于{cn_date(due - _one_day(due))}前" if due else "请及时"
    return Content(
        title="一次性告知补正通知书", addressee=addressee, closing="特此通知。",
        blocks=[
            f"你单位于{cn_date(view.submitted_at)}提交的{subject}（案件编号：{view.case_id}）收悉。经审查，申请材料"
            f"不齐全。根据{LICENSING_LAW}第三十二条第一款第（四）项的规定，现一次性告知你单位需要补正的全部内容"
            f"（共{len(items)}项）：",
            Table(["序号", "需补正的材料", "依据"], items, widths=[8, 34, 58]),
            f"{due_text}补齐上述材料。补正期间不计入审批期限；逾期未补正的，视为撤回申请。",
        ])


def _one_day(moment: datetime) -> timedelta:
    """`*_due_at` is the moment the period has passed (00:00 after the last day): the last day is the day before."""
    return timedelta(days=1) if moment.astimezone(CHINA_TZ).time() == datetime.min.time() else timedelta(0)


def _verdict(round_: Round, party: str) -> str:
    task = next((t for t in round_.parties if t.party == party), None)
    if task is None:
        return "—"
    if task.removed_at is not None:
        return "已减签"
    if task.verdict is None:
        return "未签署"
    return f"{'通过' if task.verdict == 'pass' else '不通过'}（{cn_date(task.at)}）"


def joint_acceptance_summary(view: CaseViewBase, issue: Issue) -> Content:
    kind = DocumentKind.JOINT_ACCEPTANCE_SUMMARY
    if not isinstance(view, ReopeningView):
        raise unavailable(kind, "该类案件没有联合验收")
    rounds = [r for r in view.rounds if r.closed_at is not None and r.outcome in ("pass", "fail")]
    if not rounds:
        raise unavailable(kind, "联合验收尚未完成一轮")
    parties: dict[str, str] = {}
    for r in rounds:
        for t in r.parties:
            parties.setdefault(t.party, t.name)
    matrix = [[name, *(_verdict(r, party) for r in rounds)] for party, name in parties.items()]
    matrix.append(["本轮结论", *("验收合格" if r.outcome == "pass" else "验收不合格" for r in rounds)])
    opinions = [f"第{r.no}轮 {t.name}：{t.opinion or ''}{'；发现问题：' + '、'.join(t.findings) if t.findings else ''}"
                for r in rounds for t in r.parties if t.verdict is not None and (t.opinion or t.findings)]
    facts = [["矿山名称", view.mine_name or ""], ["采矿权人", view.enterprise_name or ""],
             ["采矿许可证号", view.licence_no or ""], ["案件编号", view.case_id],
             ["牵头单位", issue.issuer], ["依据", cite(JOINT_ACCEPTANCE_CLAUSE)]]
    return Content(
        title=f"{view.mine_name}开复工联合验收意见汇总表", addressee=None, form=True,
        blocks=[Table(["项目", "内容"], facts, widths=[25, 75]),
                Table(["验收方", *(f"第{r.no}轮" for r in rounds)], matrix, caption="各方验收意见（验收方 × 轮次）"),
                *(["各方意见：", opinions] if opinions else [])])


def reopening_approval(view: CaseViewBase, issue: Issue) -> Content:
    kind = DocumentKind.REOPENING_APPROVAL
    if not isinstance(view, ReopeningView):
        raise unavailable(kind, "不是开复工案件")
    if view.approved_at is None or not view.document_no:
        raise unavailable(kind, "尚未下发批复")
    passed = next((r for r in reversed(view.rounds) if r.outcome == "pass"), None)
    meeting = next((m for m in reversed(view.committee_meetings) if m.decision == "approve"), None)
    parties = "、".join(t.name for t in passed.parties if t.removed_at is None) if passed else ""
    blocks: list[str | list[str] | Table] = [
        f"你单位关于{view.mine_name}开复工的申请（案件编号：{view.case_id}）收悉。经研究，批复如下：",
        f"一、经{issue.issuer}牵头，{parties}参加的联合验收（第{passed.no if passed else ''}轮），"
        f"{view.mine_name}开复工验收合格。",
    ]
    if meeting is not None:
        blocks.append(f"二、经{meeting.meeting_no}（{cn_date(meeting.meeting_date)}）集体研究，会议纪要"
                      f"{meeting.minutes_ref}，同意{view.mine_name}（采矿许可证号：{view.licence_no}）开复工。")
    else:
        blocks.append(f"二、同意{view.mine_name}（采矿许可证号：{view.licence_no}）开复工。")
    blocks += [
        "三、你单位应严格按照安全设施设计、矿产资源开发利用方案和矿山地质环境恢复治理方案组织生产，落实安全生产和"
        "生态环境保护主体责任，严禁越界开采、破坏性开采；复工后及时报告实际复工日期。",
        f"四、本批复同时报{issue.city_bureau}备案。",
    ]
    return Content(title=f"关于同意{view.mine_name}开复工的批复", addressee=view.enterprise_name, blocks=blocks,
                   closing="此复。", cc=[issue.city_bureau])


def reopening_refusal(view: CaseViewBase, issue: Issue) -> Content:
    kind = DocumentKind.REOPENING_REFUSAL
    if not isinstance(view, ReopeningView) or view.status is not Status.REJECTED:
        raise unavailable(kind, "案件未作出不予开复工的决定")
    return Content(
        title="不予开复工决定书", addressee=view.enterprise_name,
        blocks=[
            f"你单位于{cn_date(view.submitted_at)}提出的{view.mine_name}开复工申请（案件编号：{view.case_id}），"
            "本机关已依法受理并组织联合验收。",
            f"经审查：{view.outcome_reason or '不符合开复工条件'}。",
            f"根据{cite('seed 000 §二(三)')}“对验收不合格的矿山坚决不予开复工”的规定，本机关决定："
            f"{view.mine_name}不予开复工。",
            REMEDY.format(reviewer=issue.government),
        ])


# ---- 矿业权转让、出让 ---------------------------------------------------------------------------------------------

def transfer_approval(view: CaseViewBase, issue: Issue) -> Content:
    kind = DocumentKind.TRANSFER_APPROVAL
    if not isinstance(view, TransferView) or view.decision != "approved" or not view.document_no:
        raise unavailable(kind, "案件未作出准予转让的决定")
    return Content(
        title="准予转让决定书", addressee=f"{view.transferor_name}、{view.transferee_name}",
        blocks=[
            f"{view.transferor_name}与{view.transferee_name}关于{view.mine_name}采矿权（许可证号："
            f"{view.right_licence_no}）转让的申请（案件编号：{view.case_id}）收悉。",
            "经审查，该采矿权转让符合《探矿权采矿权转让管理办法》（国务院令第242号）第六条、第七条规定的条件。"
            f"根据该办法{TRANSFER_DECISION_CLAUSE.removeprefix('国务院令第242号 ')}的规定，本机关决定：",
            [f"准予{view.transferor_name}将{view.mine_name}采矿权转让给{view.transferee_name}，"
             f"转让价款{money(view.price_wan_yuan)}；",
             "转让合同自本决定作出之日起生效；",
             f"请转让人和受让人于{cn_date(view.registration_due)}前到本机关办理变更登记，逾期未办理的，本批准失效。"],
        ],
        cc=[issue.city_bureau])


def transfer_refusal(view: CaseViewBase, issue: Issue) -> Content:
    kind = DocumentKind.TRANSFER_REFUSAL
    if not isinstance(view, TransferView) or view.decision != "refused":
        raise unavailable(kind, "案件未作出不准转让的决定")
    reasons = [cite(r) for r in view.refusal_reasons] or [view.outcome_reason or "不符合转让条件"]
    return Content(
        title="不予转让决定书", addressee=f"{view.transferor_name}、{view.transferee_name}",
        blocks=[
            f"{view.transferor_name}与{view.transferee_name}关于{view.mine_name}采矿权（许可证号："
            f"{view.right_licence_no}）转让的申请（案件编号：{view.case_id}）收悉。经审查，该申请存在以下情形：",
            reasons,
            "根据《探矿权采矿权转让管理办法》（国务院令第242号）第十条的规定，本机关决定：不准转让。",
            REMEDY.format(reviewer=issue.government),
        ])


def _block_table(view: GrantView) -> Table:
    b = view.block
    return Table(["项目", "内容"], [
        ["出让区块", b.block_name], ["矿种", b.mineral], ["开采方式", "露天开采" if b.open_pit else "地下开采"],
        ["生产规模", f"{b.production_wt:g}万吨/年（{SCALE_NAMES[b.production_scale]}）"],
        ["出让年限", f"{b.valid_years}年"], ["出让方式", GRANT_MODE_NAMES[b.mode]],
        ["竞得人", view.result.winner_name if view.result else ""],
        ["成交价", money(view.result.price_wan_yuan) if view.result else ""],
    ], widths=[25, 75])


def grant_confirmation(view: CaseViewBase, issue: Issue) -> Content:
    kind = DocumentKind.GRANT_CONFIRMATION
    if not isinstance(view, GrantView) or view.result is None:
        raise unavailable(kind, "尚未产生竞得人")
    b = view.block
    return Content(
        title="采矿权出让成交确认书", addressee=view.result.winner_name, closing="特此确认。",
        blocks=[
            f"在{issue.issuer}组织的{b.block_name}采矿权{GRANT_MODE_NAMES[b.mode]}出让活动中（案件编号："
            f"{view.case_id}），你单位以人民币{money(view.result.price_wan_yuan)}竞得该采矿权。现将成交结果确认如下：",
            _block_table(view),
            "成交结果经公示期满无异议后，你单位应按规定签订采矿权出让合同、缴纳出让收益，并依法申请办理采矿权登记。"
            "公示期间异议成立的，本确认书失效。",
        ])


def grant_publicity(view: CaseViewBase, issue: Issue) -> Content:
    kind = DocumentKind.GRANT_PUBLICITY
    if not isinstance(view, GrantView) or view.result is None:
        raise unavailable(kind, "尚未产生竞得人")
    period = view.period_clock.get("publicity")
    days = period.limit_working_days if period else None
    span = (f"公示期为{days}个工作日" + (f"，自{cn_date(period.running_since)}起至{cn_date(period.ends)}止"
                                         if period and period.running_since and period.ends else "")) if days else \
        "公示期按规定执行"
    return Content(
        title=f"{view.block.block_name}采矿权出让结果公示", addressee=None,
        blocks=[
            f"根据矿业权出让交易规则，现将{view.block.block_name}采矿权{GRANT_MODE_NAMES[view.block.mode]}出让结果"
            f"（案件编号：{view.case_id}）公示如下：",
            _block_table(view),
            f"{span}。公示期间，对公示内容有异议的，请以书面形式向{issue.issuer}提出，并提供必要的证明材料。",
        ])


# ---- 治理整顿：整改、关闭取缔 ----------------------------------------------------------------------------------

def rectification_notice(view: CaseViewBase, issue: Issue) -> Content:
    kind = DocumentKind.RECTIFICATION_NOTICE
    if not isinstance(view, RectificationView) or not view.items:
        raise unavailable(kind, "一矿一方案尚未制定")
    rows = [[str(i.no), i.description, RECT_STAGE_NAMES[i.link], KEY_CHECKS[i.check].name, i.department_name,
             cn_date(i.due)] for i in view.items]
    person = f"{view.responsible_person}{f'（{view.responsible_title}）' if view.responsible_title else ''}"
    blocks: list[str | list[str] | Table] = [
        f"根据{SEED_TITLES['seed 000']}的部署，经查清现状，现对{view.mine_name}（采矿许可证号：{view.licence_no}，"
        f"案件编号：{view.case_id}）下达整改通知。整改责任人：{person}。",
    ]
    if view.measures:
        blocks.append(f"整治措施：{view.measures}")
    blocks += [
        Table(["序号", "整改事项", "整治环节", "重点检查", "负责销号部门", "整改期限"], rows,
              widths=[7, 33, 12, 20, 16, 12]),
        "请你单位严格按照上述事项和期限逐项整改到位，整改完成一项、销号一项。逾期未整改到位的，将依照"
        f"{SEED_TITLES['seed 000']}三（三）的规定移交纪检监察部门严肃追责问责；拒不履行恢复治理责任的，由县（区）"
        "人民政府委托第三方先行修复，所需费用依法向责任主体追偿。",
    ]
    return Content(title="整改通知书", addressee=view.enterprise_name, blocks=blocks, closing="特此通知。")


def rectification_clearance(view: CaseViewBase, issue: Issue) -> Content:
    kind = DocumentKind.RECTIFICATION_CLEARANCE
    if not isinstance(view, RectificationView) or not view.items or any(i.status != "closed" for i in view.items):
        raise unavailable(kind, "整改事项尚未全部销号")
    rows = [[str(i.no), i.description, i.department_name, cn_date(i.closed_at), i.closed_by or "",
             "、".join(i.evidence)] for i in view.items]
    levels = {"county": "县级验收", "region": "自治区级验收"}
    acceptances = [[levels[a.level], "通过" if a.verdict == "pass" else "不通过", a.acceptance_ref or "",
                    cn_date(a.at), a.opinion] for a in view.acceptances]
    facts = [["矿山名称", view.mine_name or ""], ["采矿权人", view.enterprise_name or ""],
             ["采矿许可证号", view.licence_no or ""], ["案件编号", view.case_id],
             ["整改责任人", view.responsible_person or ""]]
    blocks: list[str | list[str] | Table] = [
        Table(["项目", "内容"], facts, widths=[25, 75]),
        Table(["序号", "整改事项", "销号部门", "销号日期", "销号人", "佐证材料"], rows, caption="逐项销号情况",
              widths=[7, 31, 17, 14, 13, 18]),
    ]
    if acceptances:
        blocks.append(Table(["验收", "结论", "验收文件", "日期", "意见"], acceptances, caption="验收情况",
                            widths=[16, 10, 22, 16, 36]))
    return Content(title=f"{view.mine_name}整改销号单", addressee=None, form=True, blocks=blocks)


def closure_acceptance(view: CaseViewBase, issue: Issue) -> Content:
    kind = DocumentKind.CLOSURE_ACCEPTANCE
    if not isinstance(view, ClosureView) or not view.steps or any(s.done_at is None for s in view.steps):
        raise unavailable(kind, "关闭取缔步骤尚未全部完成")
    rows = [[str(n), s.name, s.department_name, cn_date(s.done_at), s.done_by or "", "、".join(s.evidence),
             cite(CLOSURE_STEP_BY_STAGE[s.stage].clause.split("；")[0]) if s.stage in CLOSURE_STEP_BY_STAGE else ""]
            for n, s in enumerate(view.steps, 1)]
    facts = [["矿山名称", view.mine_name or ""], ["采矿权人", view.enterprise_name or ""],
             ["原采矿许可证号", view.licence_no or ""], ["关闭方案批复", view.plan_ref], ["案件编号", view.case_id]]
    blocks: list[str | list[str] | Table] = [
        Table(["项目", "内容"], facts, widths=[25, 75]),
        Table(["序号", "关闭步骤", "责任单位", "完成日期", "办理人", "佐证材料", "依据"], rows,
              caption="关闭取缔验收情况（“三不留”：不留人员、不留采矿设备、不留建筑物）",
              widths=[6, 14, 16, 13, 10, 15, 26]),
    ]
    if view.publicity_until:
        blocks.append(f"关闭取缔结果公示至{cn_date(view.publicity_until)}（{cite(PUBLICITY_CLAUSE.split('：')[0])}）。")
    blocks.append("经验收，该矿山关闭取缔各项工作已完成。")
    return Content(title=f"{view.mine_name}关闭取缔验收表", addressee=None, form=True, blocks=blocks)


BUILDERS: dict[DocumentKind, Callable[[CaseViewBase, Issue], Content]] = {
    DocumentKind.ACCEPTANCE_NOTICE: acceptance_notice,
    DocumentKind.CORRECTION_NOTICE: correction_notice,
    DocumentKind.JOINT_ACCEPTANCE_SUMMARY: joint_acceptance_summary,
    DocumentKind.REOPENING_APPROVAL: reopening_approval,
    DocumentKind.REOPENING_REFUSAL: reopening_refusal,
    DocumentKind.TRANSFER_APPROVAL: transfer_approval,
    DocumentKind.TRANSFER_REFUSAL: transfer_refusal,
    DocumentKind.GRANT_CONFIRMATION: grant_confirmation,
    DocumentKind.GRANT_PUBLICITY: grant_publicity,
    DocumentKind.RECTIFICATION_NOTICE: rectification_notice,
    DocumentKind.RECTIFICATION_CLEARANCE: rectification_clearance,
    DocumentKind.CLOSURE_ACCEPTANCE: closure_acceptance,
}


def authority_division(view: CaseViewBase) -> str:
    """The division whose 自然资源局 issues the case's documents: the right's issuing level for rights, else the
    county."""
    level = getattr(view, "authority_level", None)
    return view.city_code if level is AuthorityLevel.CITY else view.division_code


def build(kind: DocumentKind, view: CaseViewBase, issue: Issue) -> Content:
    """The document's content; a builder refuses a view it does not serve (`unavailable`)."""
    return BUILDERS[kind](view, issue)
