"""The error catalogue: one stable English code per refusal, its HTTP status and its Chinese message.

Workflow validators raise these as `ApplicationError(type=code)`; the API maps the code back to the status and
message here, so a refusal reads the same whether it comes from the API or from the workflow.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    # 401
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOKEN_INVALID = "TOKEN_INVALID"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    # 403
    FORBIDDEN_ROLE = "FORBIDDEN_ROLE"
    OUT_OF_JURISDICTION = "OUT_OF_JURISDICTION"
    NOT_YOUR_PARTY = "NOT_YOUR_PARTY"
    NOT_YOUR_CASE = "NOT_YOUR_CASE"
    # 404
    NOT_FOUND = "NOT_FOUND"
    CASE_NOT_FOUND = "CASE_NOT_FOUND"
    MINE_NOT_FOUND = "MINE_NOT_FOUND"
    ENTERPRISE_NOT_FOUND = "ENTERPRISE_NOT_FOUND"
    DIVISION_NOT_FOUND = "DIVISION_NOT_FOUND"
    DEPARTMENT_NOT_FOUND = "DEPARTMENT_NOT_FOUND"
    USER_NOT_FOUND = "USER_NOT_FOUND"
    CANNOT_DEACTIVATE_SELF = "CANNOT_DEACTIVATE_SELF"
    # 409
    WRONG_STAGE = "WRONG_STAGE"
    CASE_CLOSED = "CASE_CLOSED"
    ALREADY_SIGNED = "ALREADY_SIGNED"
    CASE_ALREADY_OPEN = "CASE_ALREADY_OPEN"
    ALREADY_EXISTS = "ALREADY_EXISTS"
    PARTY_NOT_PENDING = "PARTY_NOT_PENDING"
    LAST_PARTY = "LAST_PARTY"
    REGISTRY_INCOMPLETE = "REGISTRY_INCOMPLETE"
    MINE_CLOSED = "MINE_CLOSED"
    # 405
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    # 422
    VALIDATION_FAILED = "VALIDATION_FAILED"
    MALFORMED_JSON = "MALFORMED_JSON"
    LICENCE_EXPIRED = "LICENCE_EXPIRED"
    LICENCE_NOT_YET_VALID = "LICENCE_NOT_YET_VALID"
    MATERIALS_MISSING = "MATERIALS_MISSING"
    UNKNOWN_MATERIAL = "UNKNOWN_MATERIAL"
    CORRECTION_LIST_EMPTY = "CORRECTION_LIST_EMPTY"
    EXPERT_PANEL_INVALID = "EXPERT_PANEL_INVALID"
    QUORUM_NOT_MET = "QUORUM_NOT_MET"
    MEETING_INVALID = "MEETING_INVALID"
    DATE_INVALID = "DATE_INVALID"
    INVALID_CREDIT_CODE = "INVALID_CREDIT_CODE"
    INVALID_DIVISION_CODE = "INVALID_DIVISION_CODE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    REASSIGN_TARGET_INVALID = "REASSIGN_TARGET_INVALID"
    # 429
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"

    # ---- mining rights: registry, transfer, grant (issue 6) --------------------------------------------------
    RIGHT_NOT_FOUND = "RIGHT_NOT_FOUND"
    RIGHT_AREA_OVERLAPS = "RIGHT_AREA_OVERLAPS"
    RIGHT_NOT_VALID = "RIGHT_NOT_VALID"
    TRANSFER_ALREADY_OPEN = "TRANSFER_ALREADY_OPEN"
    TRANSFER_PARTIES_INVALID = "TRANSFER_PARTIES_INVALID"
    TRANSFER_CONDITION_NOT_MET = "TRANSFER_CONDITION_NOT_MET"
    REFUSAL_REASONS_REQUIRED = "REFUSAL_REASONS_REQUIRED"
    EXTENSION_NOT_ALLOWED = "EXTENSION_NOT_ALLOWED"
    WRONG_AUTHORITY = "WRONG_AUTHORITY"
    GRANT_PRECHECK_FAILED = "GRANT_PRECHECK_FAILED"
    PERIOD_NOT_ENDED = "PERIOD_NOT_ENDED"
    LICENCE_NO_TAKEN = "LICENCE_NO_TAKEN"
    TRADING_SUSPENDED = "TRADING_SUSPENDED"
    TRADING_NOT_SUSPENDED = "TRADING_NOT_SUSPENDED"


    # ---- campaign, rectification, closure (issue 8) ----------------------------------------------------------
    CAMPAIGN_NOT_FOUND = "CAMPAIGN_NOT_FOUND"
    CAMPAIGN_ALREADY_OPEN = "CAMPAIGN_ALREADY_OPEN"
    CAMPAIGN_CASES_OPEN = "CAMPAIGN_CASES_OPEN"
    INSPECTION_GROUPS_INVALID = "INSPECTION_GROUPS_INVALID"
    MORATORIUM_IN_FORCE = "MORATORIUM_IN_FORCE"
    MORATORIUM_NOT_ACTIVE = "MORATORIUM_NOT_ACTIVE"
    PLAN_INVALID = "PLAN_INVALID"
    ITEM_NOT_FOUND = "ITEM_NOT_FOUND"
    ITEM_ALREADY_CLOSED = "ITEM_ALREADY_CLOSED"
    NOT_YOUR_ITEM = "NOT_YOUR_ITEM"
    THIRD_PARTY_NOT_ALLOWED = "THIRD_PARTY_NOT_ALLOWED"
    REOPEN_LIST_INVALID = "REOPEN_LIST_INVALID"
    NOT_YOUR_STEP = "NOT_YOUR_STEP"


    # ---- 四个一批 classifier and capacity ledger (issue 8) -----------------------------------------------------
    CLASSIFICATION_RUN_NOT_FOUND = "CLASSIFICATION_RUN_NOT_FOUND"
    LEDGER_ENTRY_NOT_FOUND = "LEDGER_ENTRY_NOT_FOUND"
    CAPACITY_LEDGER_UNBALANCED = "CAPACITY_LEDGER_UNBALANCED"
    LEDGER_REFERENCE_CONFLICT = "LEDGER_REFERENCE_CONFLICT"
    LEDGER_NOTHING_CLOSED = "LEDGER_NOTHING_CLOSED"
    LEDGER_MINE_ALREADY_CLOSED = "LEDGER_MINE_ALREADY_CLOSED"
    LEDGER_ENTRY_INVALID = "LEDGER_ENTRY_INVALID"
    NO_MINES_TO_CLASSIFY = "NO_MINES_TO_CLASSIFY"


    # ---- files and generated documents (issue 17) --------------------------------------------------------------
    FILE_EMPTY = "FILE_EMPTY"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    FILE_TYPE_NOT_ALLOWED = "FILE_TYPE_NOT_ALLOWED"
    FILE_TYPE_MISMATCH = "FILE_TYPE_MISMATCH"
    FILE_ARCHIVE_UNSAFE = "FILE_ARCHIVE_UNSAFE"
    FILE_UPLOAD_MALFORMED = "FILE_UPLOAD_MALFORMED"
    FILE_NOT_FOUND = "FILE_NOT_FOUND"
    TOO_MANY_FILES = "TOO_MANY_FILES"
    FILE_STORE_UNAVAILABLE = "FILE_STORE_UNAVAILABLE"
    DOCUMENT_NOT_FOUND = "DOCUMENT_NOT_FOUND"
    DOCUMENT_NOT_AVAILABLE = "DOCUMENT_NOT_AVAILABLE"
    DOCUMENT_HASH_MISMATCH = "DOCUMENT_HASH_MISMATCH"


    # 5xx
    INTERNAL_ERROR = "INTERNAL_ERROR"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    TEMPORAL_UNAVAILABLE = "TEMPORAL_UNAVAILABLE"
    TIMEOUT = "TIMEOUT"
    CASE_BUSY = "CASE_BUSY"


@dataclass(frozen=True)
class ErrorSpec:
    status: int
    message: str


CATALOGUE: dict[ErrorCode, ErrorSpec] = {
    ErrorCode.NOT_AUTHENTICATED: ErrorSpec(401, "未登录或缺少访问令牌，请先登录"),
    ErrorCode.INVALID_CREDENTIALS: ErrorSpec(401, "用户名或密码错误"),
    ErrorCode.TOKEN_INVALID: ErrorSpec(401, "访问令牌无效，请重新登录"),
    ErrorCode.TOKEN_EXPIRED: ErrorSpec(401, "登录已过期，请重新登录"),
    ErrorCode.FORBIDDEN_ROLE: ErrorSpec(403, "当前角色无权执行此操作"),
    ErrorCode.OUT_OF_JURISDICTION: ErrorSpec(403, "该事项不在您的管辖范围内"),
    ErrorCode.NOT_YOUR_PARTY: ErrorSpec(403, "您所在部门不是本轮联合验收的待签署方，或该任务已转交他人"),
    ErrorCode.NOT_YOUR_CASE: ErrorSpec(403, "只能办理本企业矿山的案件"),
    ErrorCode.NOT_FOUND: ErrorSpec(404, "请求的资源不存在"),
    ErrorCode.CASE_NOT_FOUND: ErrorSpec(404, "案件不存在"),
    ErrorCode.MINE_NOT_FOUND: ErrorSpec(404, "矿山不存在"),
    ErrorCode.ENTERPRISE_NOT_FOUND: ErrorSpec(404, "企业不存在"),
    ErrorCode.DIVISION_NOT_FOUND: ErrorSpec(404, "行政区划不存在"),
    ErrorCode.DEPARTMENT_NOT_FOUND: ErrorSpec(404, "部门不存在"),
    ErrorCode.USER_NOT_FOUND: ErrorSpec(404, "用户不存在"),
    ErrorCode.CANNOT_DEACTIVATE_SELF: ErrorSpec(409, "不能停用自己的账号"),
    ErrorCode.WRONG_STAGE: ErrorSpec(409, "案件当前阶段不允许此操作"),
    ErrorCode.CASE_CLOSED: ErrorSpec(409, "案件已办结，不能再办理"),
    ErrorCode.ALREADY_SIGNED: ErrorSpec(409, "贵方已签署，无需重复提交"),
    ErrorCode.CASE_ALREADY_OPEN: ErrorSpec(409, "该矿山已有正在办理的开复工申请"),
    ErrorCode.ALREADY_EXISTS: ErrorSpec(409, "记录已存在"),
    ErrorCode.PARTY_NOT_PENDING: ErrorSpec(409, "该方当前没有待办事项"),
    ErrorCode.LAST_PARTY: ErrorSpec(409, "不能减去本轮最后一个会签方"),
    ErrorCode.REGISTRY_INCOMPLETE: ErrorSpec(409, "本县（区）部门配置不完整，无法组织联合验收，请联系管理员"),
    ErrorCode.MINE_CLOSED: ErrorSpec(409, "该矿山已关闭，不能申请开复工"),
    ErrorCode.METHOD_NOT_ALLOWED: ErrorSpec(405, "不支持该请求方法"),
    ErrorCode.VALIDATION_FAILED: ErrorSpec(422, "请求参数不合法"),
    ErrorCode.MALFORMED_JSON: ErrorSpec(422, "请求体不是合法的 JSON"),
    ErrorCode.LICENCE_EXPIRED: ErrorSpec(422, "采矿许可证已过有效期，不能申请开复工"),
    ErrorCode.LICENCE_NOT_YET_VALID: ErrorSpec(422, "采矿许可证尚未生效，不能申请开复工"),
    ErrorCode.MATERIALS_MISSING: ErrorSpec(422, "申请材料不齐全"),
    ErrorCode.UNKNOWN_MATERIAL: ErrorSpec(422, "材料类型不在规定清单内"),
    ErrorCode.CORRECTION_LIST_EMPTY: ErrorSpec(422, "要求补正时必须一次性列明全部需补正的材料"),
    ErrorCode.EXPERT_PANEL_INVALID: ErrorSpec(422, "专家组组成不符合要求"),
    ErrorCode.QUORUM_NOT_MET: ErrorSpec(422, "到会人数未超过应到会人数的半数，会议决定无效"),
    ErrorCode.MEETING_INVALID: ErrorSpec(422, "会议记录不完整或不一致"),
    ErrorCode.DATE_INVALID: ErrorSpec(422, "日期不合法"),
    ErrorCode.INVALID_CREDIT_CODE: ErrorSpec(422, "统一社会信用代码不合法"),
    ErrorCode.INVALID_DIVISION_CODE: ErrorSpec(422, "行政区划代码不合法"),
    ErrorCode.IDEMPOTENCY_KEY_REUSED: ErrorSpec(422, "同一幂等键已用于内容不同的请求"),
    ErrorCode.REASSIGN_TARGET_INVALID: ErrorSpec(422, "转办或委派的对象不符合要求"),
    ErrorCode.TOO_MANY_ATTEMPTS: ErrorSpec(429, "登录失败次数过多，请稍后再试"),

    # ---- mining rights: registry, transfer, grant (issue 6)
    ErrorCode.RIGHT_NOT_FOUND: ErrorSpec(404, "矿业权不存在"),
    ErrorCode.RIGHT_AREA_OVERLAPS: ErrorSpec(409, "矿区范围与已登记的矿业权重叠"),
    ErrorCode.RIGHT_NOT_VALID: ErrorSpec(409, "该矿业权不在有效状态"),
    ErrorCode.TRANSFER_ALREADY_OPEN: ErrorSpec(409, "该矿业权已有正在办理的转让申请"),
    ErrorCode.TRANSFER_PARTIES_INVALID: ErrorSpec(422, "转让人与受让人不符合要求"),
    ErrorCode.TRANSFER_CONDITION_NOT_MET: ErrorSpec(422, "不符合采矿权转让条件"),
    ErrorCode.REFUSAL_REASONS_REQUIRED: ErrorSpec(422, "不准转让的，应当说明理由"),
    ErrorCode.EXTENSION_NOT_ALLOWED: ErrorSpec(422, "延长期限超过规定上限"),
    ErrorCode.WRONG_AUTHORITY: ErrorSpec(403, "该事项由其他登记管理机关办理"),
    ErrorCode.GRANT_PRECHECK_FAILED: ErrorSpec(422, "出让区块未通过出让前审查"),
    ErrorCode.PERIOD_NOT_ENDED: ErrorSpec(409, "法定期间尚未届满"),
    ErrorCode.LICENCE_NO_TAKEN: ErrorSpec(409, "许可证号已被使用"),
    ErrorCode.TRADING_SUSPENDED: ErrorSpec(409, "矿业权交易已中止，恢复交易后方可办理"),
    ErrorCode.TRADING_NOT_SUSPENDED: ErrorSpec(409, "矿业权交易未中止，无需恢复"),


    # ---- campaign, rectification, closure (issue 8)
    ErrorCode.CAMPAIGN_NOT_FOUND: ErrorSpec(404, "治理整顿不存在"),
    ErrorCode.CAMPAIGN_ALREADY_OPEN: ErrorSpec(409, "本市已有正在进行的治理整顿"),
    ErrorCode.CAMPAIGN_CASES_OPEN: ErrorSpec(409, "仍有矿山整治或关闭案件未办结，不能结束治理整顿"),
    ErrorCode.INSPECTION_GROUPS_INVALID: ErrorSpec(
        422, "督查组设置不符合要求：每个县（区）一个，成员须含自然资源、应急管理、生态环境部门"),
    ErrorCode.MORATORIUM_IN_FORCE: ErrorSpec(409, "“两个暂停”期间，矿山整治未验收销号的，不得下发开复工批复"),
    ErrorCode.MORATORIUM_NOT_ACTIVE: ErrorSpec(409, "“两个暂停”未实行或已解除"),
    ErrorCode.PLAN_INVALID: ErrorSpec(422, "整改方案不符合要求"),
    ErrorCode.ITEM_NOT_FOUND: ErrorSpec(404, "整改事项不存在"),
    ErrorCode.ITEM_ALREADY_CLOSED: ErrorSpec(409, "该整改事项已销号"),
    ErrorCode.NOT_YOUR_ITEM: ErrorSpec(403, "该整改事项不由您所在部门负责销号"),
    ErrorCode.THIRD_PARTY_NOT_ALLOWED: ErrorSpec(409, "只有企业逾期拒不履行的生态修复事项才能委托第三方先行修复"),
    ErrorCode.REOPEN_LIST_INVALID: ErrorSpec(422, "验收不通过时须列明需重新整改的已销号事项"),
    ErrorCode.NOT_YOUR_STEP: ErrorSpec(403, "当前关闭步骤不由您所在部门办理"),


    # ---- 四个一批 classifier and capacity ledger (issue 8)
    ErrorCode.CLASSIFICATION_RUN_NOT_FOUND: ErrorSpec(404, "四个一批分类记录不存在"),
    ErrorCode.LEDGER_ENTRY_NOT_FOUND: ErrorSpec(404, "产能台账记录不存在"),
    ErrorCode.CAPACITY_LEDGER_UNBALANCED: ErrorSpec(409, "不符合“双挂钩一达标”要求，不能新设或扩大产能"),
    ErrorCode.LEDGER_REFERENCE_CONFLICT: ErrorSpec(409, "该业务编号已登记内容不同的台账记录"),
    ErrorCode.LEDGER_NOTHING_CLOSED: ErrorSpec(409, "该矿山没有登记关闭退出产能，不能登记生态修复完成"),
    ErrorCode.LEDGER_MINE_ALREADY_CLOSED: ErrorSpec(409, "该矿山的关闭退出产能已登记，不能重复计入（调整请登记更正）"),
    ErrorCode.LEDGER_ENTRY_INVALID: ErrorSpec(422, "台账记录内容不合法"),
    ErrorCode.NO_MINES_TO_CLASSIFY: ErrorSpec(409, "该县（区）没有可分类的矿山"),


    # ---- files and generated documents (issue 17)
    ErrorCode.FILE_EMPTY: ErrorSpec(422, "文件为空，请重新选择文件上传"),
    ErrorCode.FILE_TOO_LARGE: ErrorSpec(413, "文件超过大小上限"),
    ErrorCode.FILE_TYPE_NOT_ALLOWED: ErrorSpec(
        415, "文件类型不受支持：仅接受 PDF、JPEG、PNG、OFD、DOC、DOCX、XLSX 文件（按文件实际内容识别，而非扩展名）"),
    ErrorCode.FILE_TYPE_MISMATCH: ErrorSpec(415, "文件内容与扩展名不符，请确认后重新上传"),
    ErrorCode.FILE_ARCHIVE_UNSAFE: ErrorSpec(422, "文件内部结构异常（条目过多或压缩比异常），已拒收"),
    ErrorCode.FILE_UPLOAD_MALFORMED: ErrorSpec(
        400, "上传请求格式不正确：请以 multipart/form-data 提交一个名为 file 的文件"),
    ErrorCode.FILE_NOT_FOUND: ErrorSpec(404, "文件不存在或无权查看"),
    ErrorCode.TOO_MANY_FILES: ErrorSpec(422, "一次提交的文件过多"),
    ErrorCode.FILE_STORE_UNAVAILABLE: ErrorSpec(503, "文件存储暂时不可用，请稍后重试"),
    ErrorCode.DOCUMENT_NOT_FOUND: ErrorSpec(404, "文书不存在"),
    ErrorCode.DOCUMENT_NOT_AVAILABLE: ErrorSpec(409, "案件尚未办理到可出具该文书的阶段"),
    ErrorCode.DOCUMENT_HASH_MISMATCH: ErrorSpec(409, "文书与存证记录不符，可能是伪造或被篡改的文书"),


    ErrorCode.INTERNAL_ERROR: ErrorSpec(500, "服务器内部错误，请稍后重试"),
    ErrorCode.DATABASE_UNAVAILABLE: ErrorSpec(503, "数据库暂时不可用，请稍后重试"),
    ErrorCode.TEMPORAL_UNAVAILABLE: ErrorSpec(503, "流程引擎暂时不可用，请稍后重试"),
    ErrorCode.TIMEOUT: ErrorSpec(503, "处理超时，请稍后查询结果，勿重复提交"),
    ErrorCode.CASE_BUSY: ErrorSpec(503, "该案件正在办理其他操作，请稍后重试"),
}


class DomainError(Exception):
    """A refusal with a stable code; `message` overrides the catalogue's default text when more precise."""

    def __init__(self, code: ErrorCode, message: str | None = None, details: dict[str, Any] | None = None):
        self.code = code
        self.message = message or CATALOGUE[code].message
        self.details = details or {}
        super().__init__(f"{code}: {self.message}")

    @property
    def status(self) -> int:
        return CATALOGUE[self.code].status
