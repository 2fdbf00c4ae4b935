"""Which action each state permits, and the words a clerk reads when one is refused.

Pure data and functions: the workflow's update validators and the API's `allowed_actions`
both read this table, so the buttons a clerk sees are exactly what the workflow accepts.
The table follows Decree 118/2025 (see DOMAIN.md, "Lifecycle of a dossier").
"""

from enum import StrEnum

from pydantic import BaseModel

from schemas.status import DossierStatus as S
from schemas.status import SubState as T

# The error type of an action the lifecycle refuses, from the workflow to the API's 409.
ILLEGAL_ACTION = "IllegalAction"


class Action(StrEnum):
    ACCEPT = "accept"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUBMIT_SUPPLEMENT = "submit_supplement"
    REFUSE = "refuse"
    TRANSFER = "transfer"
    ASSIGN = "assign"
    CLAIM = "claim"
    REASSIGN = "reassign"
    APPRAISE = "appraise"
    CONSULT = "consult"
    FORWARD = "forward"
    START_VERIFICATION = "start_verification"
    END_VERIFICATION = "end_verification"
    ANSWER_CONSULTATION = "answer_consultation"
    REQUEST_PAYMENT = "request_payment"
    RECORD_PAYMENT = "record_payment"
    APPROVE = "approve"
    DRAFT_EXTENSION = "draft_extension"
    APPROVE_EXTENSION = "approve_extension"
    MARK_RESULT_READY = "mark_result_ready"
    RETURN_RESULT = "return_result"
    WITHDRAW = "withdraw"
    STOP = "stop"


class Role(StrEnum):
    CITIZEN = "citizen"
    CLERK = "clerk"
    OFFICER = "officer"
    LEADER = "leader"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class ActionLabel(BaseModel):
    action: Action
    label_vi: str
    label_en: str


class LifecycleState(BaseModel):
    """What the rules look at: the state plus the facts that change what is lawful."""

    status: S
    sub_state: T
    decision_issued: bool = False
    extension_drafted: bool = False
    verification_pauses_clock: bool = False
    has_next_step: bool = False
    supplement_requests: int = 0
    fee_paid: bool = False


_LABELS: dict[Action, tuple[str, str]] = {
    Action.ACCEPT: ("Tiếp nhận hồ sơ", "Accept the dossier"),
    Action.REQUEST_SUPPLEMENT: ("Yêu cầu bổ sung hồ sơ", "Request a supplement"),
    Action.SUBMIT_SUPPLEMENT: ("Nộp bổ sung hồ sơ", "Submit the supplement"),
    Action.REFUSE: ("Từ chối tiếp nhận", "Refuse the dossier"),
    Action.TRANSFER: ("Chuyển cơ quan có thẩm quyền", "Transfer to the competent authority"),
    Action.ASSIGN: ("Phân công xử lý", "Assign an officer"),
    Action.CLAIM: ("Nhận xử lý hồ sơ", "Take the dossier"),
    Action.REASSIGN: ("Phân công lại", "Reassign"),
    Action.APPRAISE: ("Thẩm định hồ sơ", "Appraise"),
    Action.CONSULT: ("Lấy ý kiến cơ quan liên quan", "Consult other agencies"),
    Action.ANSWER_CONSULTATION: ("Trả lời xin ý kiến", "Answer a consultation"),
    Action.FORWARD: ("Chuyển bước tiếp theo", "Hand over to the next step"),
    Action.START_VERIFICATION: ("Tạm dừng chờ xác minh", "Pause for external verification"),
    Action.END_VERIFICATION: ("Nhận kết quả xác minh", "Verification received"),
    Action.REQUEST_PAYMENT: ("Yêu cầu thực hiện nghĩa vụ tài chính", "Request payment"),
    Action.RECORD_PAYMENT: ("Xác nhận đã nộp nghĩa vụ tài chính", "Record payment"),
    Action.APPROVE: ("Ký duyệt kết quả", "Approve and sign"),
    Action.DRAFT_EXTENSION: (
        "Dự thảo thư xin lỗi, hẹn lại ngày trả",
        "Draft the apology and new date",
    ),
    Action.APPROVE_EXTENSION: ("Duyệt thư xin lỗi, gia hạn", "Approve the apology and new date"),
    Action.MARK_RESULT_READY: (
        "Chuyển kết quả về bộ phận một cửa",
        "Send the result to the counter",
    ),
    Action.RETURN_RESULT: ("Trả kết quả", "Return the result"),
    Action.WITHDRAW: ("Rút hồ sơ", "Withdraw the dossier"),
    Action.STOP: ("Dừng xử lý hồ sơ", "Stop processing"),
}

# Who normally performs each action; access control (by role and unit) reads this.
PERFORMED_BY: dict[Action, frozenset[Role]] = {
    Action.ACCEPT: frozenset({Role.CLERK}),
    Action.REQUEST_SUPPLEMENT: frozenset({Role.CLERK}),
    Action.SUBMIT_SUPPLEMENT: frozenset({Role.CITIZEN, Role.CLERK}),
    Action.REFUSE: frozenset({Role.CLERK}),
    Action.TRANSFER: frozenset({Role.CLERK}),
    Action.ASSIGN: frozenset({Role.LEADER}),
    Action.CLAIM: frozenset({Role.OFFICER}),
    Action.REASSIGN: frozenset({Role.LEADER}),
    Action.APPRAISE: frozenset({Role.OFFICER}),
    Action.CONSULT: frozenset({Role.OFFICER}),
    Action.ANSWER_CONSULTATION: frozenset({Role.OFFICER}),
    Action.FORWARD: frozenset({Role.OFFICER, Role.LEADER}),
    Action.START_VERIFICATION: frozenset({Role.OFFICER}),
    Action.END_VERIFICATION: frozenset({Role.OFFICER}),
    Action.REQUEST_PAYMENT: frozenset({Role.OFFICER}),
    Action.RECORD_PAYMENT: frozenset({Role.CLERK, Role.CITIZEN}),
    Action.APPROVE: frozenset({Role.LEADER}),
    Action.DRAFT_EXTENSION: frozenset({Role.OFFICER}),
    Action.APPROVE_EXTENSION: frozenset({Role.LEADER}),
    Action.MARK_RESULT_READY: frozenset({Role.OFFICER}),
    Action.RETURN_RESULT: frozenset({Role.CLERK}),
    Action.WITHDRAW: frozenset({Role.CITIZEN, Role.CLERK}),
    Action.STOP: frozenset({Role.CLERK, Role.LEADER}),
}

# Before a decision is issued the applicant may withdraw and the authority may stop.
_UNDECIDED = frozenset(
    {
        (S.NEW, T.AWAITING_RECEIPT),
        (S.ACCEPTED, T.AWAITING_TRANSFER),
        (S.PROCESSING, T.AWAITING_ASSIGNMENT),
        (S.PROCESSING, T.IN_APPRAISAL),
        (S.PROCESSING, T.IN_CONSULTATION),
        (S.PROCESSING, T.IN_VERIFICATION),
        (S.PROCESSING, T.IN_STEP),
        (S.PROCESSING, T.AWAITING_SIGNATURE),
        (S.SUPPLEMENT_REQUESTED, T.AWAITING_SUPPLEMENT),
        (S.FINANCIAL_OBLIGATION, T.AWAITING_PAYMENT),
    }
)
_WORKING = frozenset(
    {
        (S.PROCESSING, T.IN_APPRAISAL),
        (S.PROCESSING, T.IN_CONSULTATION),
        (S.PROCESSING, T.IN_VERIFICATION),
        (S.PROCESSING, T.IN_STEP),
        (S.PROCESSING, T.AWAITING_SIGNATURE),
    }
)

_AUTHORITY_HOLDS = frozenset(
    {
        (S.PROCESSING, T.AWAITING_ASSIGNMENT),
        *_WORKING,
        (S.FINANCIAL_OBLIGATION, T.AWAITING_PAYMENT),
    }
)

_ALLOWED_IN: dict[Action, frozenset[tuple[S, T]]] = {
    # Intake (Decree 118/2025 art. 15): accept, ask once for what is missing, or refuse.
    Action.ACCEPT: frozenset({(S.NEW, T.AWAITING_RECEIPT)}),
    Action.REQUEST_SUPPLEMENT: frozenset({(S.NEW, T.AWAITING_RECEIPT)}),
    Action.REFUSE: frozenset({(S.NEW, T.AWAITING_RECEIPT)}),
    Action.SUBMIT_SUPPLEMENT: frozenset({(S.SUPPLEMENT_REQUESTED, T.AWAITING_SUPPLEMENT)}),
    Action.TRANSFER: frozenset({(S.ACCEPTED, T.AWAITING_TRANSFER)}),
    Action.ASSIGN: frozenset({(S.PROCESSING, T.AWAITING_ASSIGNMENT)}),
    # Where the unit lets officers take work from the queue themselves.
    Action.CLAIM: frozenset({(S.PROCESSING, T.AWAITING_ASSIGNMENT)}),
    Action.REASSIGN: _WORKING,
    Action.APPRAISE: frozenset({(S.PROCESSING, T.IN_APPRAISAL)}),
    Action.CONSULT: frozenset({(S.PROCESSING, T.IN_APPRAISAL)}),
    Action.ANSWER_CONSULTATION: frozenset({(S.PROCESSING, T.IN_CONSULTATION)}),
    # Time waiting for another agency's verification does not count, where the procedure
    # allows it (civil status, judicial records).
    # Inter-level steps: the unit holding the dossier hands it to the next step's unit.
    Action.FORWARD: frozenset({(S.PROCESSING, T.IN_APPRAISAL), (S.PROCESSING, T.IN_STEP)}),
    Action.START_VERIFICATION: frozenset({(S.PROCESSING, T.IN_APPRAISAL)}),
    Action.END_VERIFICATION: frozenset({(S.PROCESSING, T.IN_VERIFICATION)}),
    Action.REQUEST_PAYMENT: frozenset({(S.PROCESSING, T.AWAITING_SIGNATURE)}),
    Action.RECORD_PAYMENT: frozenset({(S.FINANCIAL_OBLIGATION, T.AWAITING_PAYMENT)}),
    Action.APPROVE: frozenset({(S.PROCESSING, T.AWAITING_SIGNATURE)}),
    # The apology letter (Form 04) is due while the authority still holds the dossier:
    # the officer drafts it, the leader approves it.
    Action.DRAFT_EXTENSION: _AUTHORITY_HOLDS,
    Action.APPROVE_EXTENSION: _AUTHORITY_HOLDS,
    Action.MARK_RESULT_READY: frozenset({(S.PROCESSING, T.SIGNED)}),
    Action.RETURN_RESULT: frozenset({(S.RESULT_READY, T.AWAITING_RETURN)}),
    Action.WITHDRAW: _UNDECIDED,
    Action.STOP: _UNDECIDED | {(S.WITHDRAWAL_REQUESTED, T.AWAITING_STOP_NOTICE)},
}


def label(action: Action) -> ActionLabel:
    vi, en = _LABELS[action]
    return ActionLabel(action=action, label_vi=vi, label_en=en)


def _forbidden(action: Action, state: LifecycleState) -> tuple[str, str] | None:
    """The reason an action is unlawful in this state, in Vietnamese and English."""
    if (state.status, state.sub_state) not in _ALLOWED_IN[action]:
        return (
            f"hồ sơ đang ở trạng thái «{state.status.name_vi}» ({state.status.value}) – "
            f"{state.sub_state.name_vi.lower()}",
            f"the dossier is in status '{state.status.name_en}' ({state.status.value}) – "
            f"{state.sub_state.name_en.lower()}",
        )
    if action in (Action.WITHDRAW, Action.STOP) and state.decision_issued:
        return ("đã có quyết định giải quyết", "a decision has already been issued")
    if action is Action.START_VERIFICATION and not state.verification_pauses_clock:
        return (
            "thủ tục này không cho phép tạm dừng thời hạn để xác minh",
            "this procedure does not pause its clock for verification",
        )
    if action is Action.FORWARD and not state.has_next_step:
        return (
            "quy trình của thủ tục không còn bước chuyển đơn vị nào",
            "the procedure's process has no further hand-over step",
        )
    if action is Action.APPROVE_EXTENSION and not state.extension_drafted:
        return ("chưa có dự thảo thư xin lỗi, gia hạn", "no apology letter has been drafted")
    return None


def unreasoned_repeat(
    action: Action, state: LifecycleState, *, asks_supplement: bool, reason: str | None
) -> tuple[str, str] | None:
    """Why a lawful action still needs a reason here, or None.

    Guidance is given once (Decree 118/2025 art. 15): a second supplement *request* must say
    why, and counts the dossier as late; an appraisal that finds the dossier sufficient asks
    for nothing and needs no reason. A fee already paid is not asked for again unless the
    officer names the second, distinct obligation.
    """
    if reason:
        return None
    if asks_supplement and state.supplement_requests >= 1:
        return (
            "Hồ sơ đã được yêu cầu bổ sung một lần; yêu cầu lần hai phải nêu lý do "
            "(reason) và hồ sơ sẽ bị tính là trễ hạn.",
            "A supplement was already requested once; a second request needs a reason "
            "and counts the dossier as late.",
        )
    if action is Action.REQUEST_PAYMENT and state.fee_paid:
        return (
            "Hồ sơ đã nộp nghĩa vụ tài chính; yêu cầu nộp thêm một khoản khác phải nêu lý do "
            "(reason).",
            "The fee has already been paid; asking for a second, distinct payment needs a reason.",
        )
    return None


def allowed_actions(state: LifecycleState) -> list[Action]:
    return [action for action in Action if _forbidden(action, state) is None]


class IllegalActionMessage(BaseModel):
    """Why an action is refused, in both languages, with the state that forbids it."""

    action: Action
    status: S
    sub_state: T
    message_vi: str
    message_en: str


def refusal(action: Action, state: LifecycleState) -> IllegalActionMessage | None:
    """None when the action is allowed; otherwise the message naming the forbidding state."""
    why = _forbidden(action, state)
    if why is None:
        return None
    vi, en = _LABELS[action]
    return IllegalActionMessage(
        action=action,
        status=state.status,
        sub_state=state.sub_state,
        message_vi=f"Không thể thực hiện «{vi}»: {why[0]}.",
        message_en=f"Cannot '{en.lower()}': {why[1]}.",
    )
