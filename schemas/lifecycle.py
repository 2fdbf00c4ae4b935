"""Every action on a dossier, declared once: its body, who performs it, its names, and the
states that permit it; and the words a clerk reads when one is refused.

Pure data and functions: the workflow's Updates and their validators, the API's action
route, access control and the pages' buttons all read `ACTIONS`, so the buttons a clerk
sees are exactly what the workflow accepts.
The table follows Decree 118/2025 (see DOMAIN.md, "Lifecycle of a dossier").
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel

from schemas.actions import (
    Acceptance,
    ActionCommand,
    Appraisal,
    AppraisalResult,
    Approval,
    Assignment,
    ConsultationAnswer,
    ConsultationRequest,
    ExtensionDraftCommand,
    PaymentRecord,
    PaymentRequest,
    ReasonedCommand,
    Reassignment,
    ResultReturn,
    SupplementRequest,
    SupplementSubmission,
    VerificationRequest,
)
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
    # A fee is asked for and not yet paid: at submission, or after appraisal.
    fee_due: bool = False
    # The token is signing the result: nothing else happens to the dossier meanwhile.
    signing: bool = False


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

_CLERK = frozenset({Role.CLERK})
_OFFICER = frozenset({Role.OFFICER})
_LEADER = frozenset({Role.LEADER})
_APPLICANT_OR_CLERK = frozenset({Role.CITIZEN, Role.CLERK})


@dataclass(frozen=True)
class ActionSpec:
    """One action, declared once: what its body holds, who performs it, what it is called,
    and the states where it is lawful. The workflow's Update of the same name, its
    validator, the API's action route, access control and the pages' buttons all read it."""

    body: type[ActionCommand]
    performed_by: frozenset[Role]
    label_vi: str
    label_en: str
    allowed_in: frozenset[tuple[S, T]]


def _in(*states: tuple[S, T]) -> frozenset[tuple[S, T]]:
    return frozenset(states)


_RECEIVING = _in((S.NEW, T.AWAITING_RECEIPT))
_TO_ASSIGN = _in((S.PROCESSING, T.AWAITING_ASSIGNMENT))
_APPRAISING = _in((S.PROCESSING, T.IN_APPRAISAL))
_TO_SIGN = _in((S.PROCESSING, T.AWAITING_SIGNATURE))

ACTIONS: Mapping[Action, ActionSpec] = {
    # Intake (Decree 118/2025 art. 15): accept, ask once for what is missing, or refuse.
    Action.ACCEPT: ActionSpec(
        Acceptance, _CLERK, "Tiếp nhận hồ sơ", "Accept the dossier", _RECEIVING
    ),
    Action.REQUEST_SUPPLEMENT: ActionSpec(
        SupplementRequest,
        _CLERK,
        "Yêu cầu bổ sung hồ sơ",
        "Request a supplement",
        _RECEIVING,
    ),
    Action.SUBMIT_SUPPLEMENT: ActionSpec(
        SupplementSubmission,
        _APPLICANT_OR_CLERK,
        "Nộp bổ sung hồ sơ",
        "Submit the supplement",
        _in((S.SUPPLEMENT_REQUESTED, T.AWAITING_SUPPLEMENT)),
    ),
    Action.REFUSE: ActionSpec(
        ReasonedCommand, _CLERK, "Từ chối tiếp nhận", "Refuse the dossier", _RECEIVING
    ),
    Action.TRANSFER: ActionSpec(
        ActionCommand,
        _CLERK,
        "Chuyển cơ quan có thẩm quyền",
        "Transfer to the competent authority",
        _in((S.ACCEPTED, T.AWAITING_TRANSFER)),
    ),
    # At the competent authority.
    Action.ASSIGN: ActionSpec(
        Assignment, _LEADER, "Phân công xử lý", "Assign an officer", _TO_ASSIGN
    ),
    # Where the unit lets officers take work from the queue themselves.
    Action.CLAIM: ActionSpec(
        ActionCommand, _OFFICER, "Nhận xử lý hồ sơ", "Take the dossier", _TO_ASSIGN
    ),
    Action.REASSIGN: ActionSpec(Reassignment, _LEADER, "Phân công lại", "Reassign", _WORKING),
    Action.APPRAISE: ActionSpec(Appraisal, _OFFICER, "Thẩm định hồ sơ", "Appraise", _APPRAISING),
    Action.CONSULT: ActionSpec(
        ConsultationRequest,
        _OFFICER,
        "Lấy ý kiến cơ quan liên quan",
        "Consult other agencies",
        _APPRAISING,
    ),
    Action.ANSWER_CONSULTATION: ActionSpec(
        ConsultationAnswer,
        _OFFICER,
        "Trả lời xin ý kiến",
        "Answer a consultation",
        _in((S.PROCESSING, T.IN_CONSULTATION)),
    ),
    # Inter-level steps: the unit holding the dossier hands it to the next step's unit.
    Action.FORWARD: ActionSpec(
        ActionCommand,
        frozenset({Role.OFFICER, Role.LEADER}),
        "Chuyển bước tiếp theo",
        "Hand over to the next step",
        _in((S.PROCESSING, T.IN_APPRAISAL), (S.PROCESSING, T.IN_STEP)),
    ),
    # Time waiting for another agency's verification does not count, where the procedure
    # allows it (civil status, judicial records).
    Action.START_VERIFICATION: ActionSpec(
        VerificationRequest,
        _OFFICER,
        "Tạm dừng chờ xác minh",
        "Pause for external verification",
        _APPRAISING,
    ),
    Action.END_VERIFICATION: ActionSpec(
        ActionCommand,
        _OFFICER,
        "Nhận kết quả xác minh",
        "Verification received",
        _in((S.PROCESSING, T.IN_VERIFICATION)),
    ),
    Action.REQUEST_PAYMENT: ActionSpec(
        PaymentRequest,
        _OFFICER,
        "Yêu cầu thực hiện nghĩa vụ tài chính",
        "Request payment",
        _TO_SIGN,
    ),
    Action.RECORD_PAYMENT: ActionSpec(
        PaymentRecord,
        frozenset({Role.CLERK, Role.CITIZEN}),
        "Xác nhận đã nộp nghĩa vụ tài chính",
        "Record payment",
        # Before receipt where the procedure charges when the dossier is filed.
        _in((S.NEW, T.AWAITING_RECEIPT), (S.FINANCIAL_OBLIGATION, T.AWAITING_PAYMENT)),
    ),
    Action.APPROVE: ActionSpec(Approval, _LEADER, "Ký duyệt kết quả", "Approve and sign", _TO_SIGN),
    # The apology letter (Form 04) is due while the authority still holds the dossier:
    # the officer drafts it, the leader approves it.
    Action.DRAFT_EXTENSION: ActionSpec(
        ExtensionDraftCommand,
        _OFFICER,
        "Dự thảo thư xin lỗi, hẹn lại ngày trả",
        "Draft the apology and new date",
        _AUTHORITY_HOLDS,
    ),
    Action.APPROVE_EXTENSION: ActionSpec(
        ActionCommand,
        _LEADER,
        "Duyệt thư xin lỗi, gia hạn",
        "Approve the apology and new date",
        _AUTHORITY_HOLDS,
    ),
    # The result's way back to the counter.
    Action.MARK_RESULT_READY: ActionSpec(
        ActionCommand,
        _OFFICER,
        "Chuyển kết quả về bộ phận một cửa",
        "Send the result to the counter",
        _in((S.PROCESSING, T.SIGNED)),
    ),
    Action.RETURN_RESULT: ActionSpec(
        ResultReturn,
        _CLERK,
        "Trả kết quả",
        "Return the result",
        _in((S.RESULT_READY, T.AWAITING_RETURN)),
    ),
    # Ending early: before a decision the applicant may withdraw and the authority stop.
    Action.WITHDRAW: ActionSpec(
        ReasonedCommand, _APPLICANT_OR_CLERK, "Rút hồ sơ", "Withdraw the dossier", _UNDECIDED
    ),
    Action.STOP: ActionSpec(
        ReasonedCommand,
        frozenset({Role.CLERK, Role.LEADER}),
        "Dừng xử lý hồ sơ",
        "Stop processing",
        _UNDECIDED | {(S.WITHDRAWAL_REQUESTED, T.AWAITING_STOP_NOTICE)},
    ),
}
assert set(ACTIONS) == set(Action), "every action is declared"


def label(action: Action) -> ActionLabel:
    spec = ACTIONS[action]
    return ActionLabel(action=action, label_vi=spec.label_vi, label_en=spec.label_en)


def _forbidden(action: Action, state: LifecycleState) -> tuple[str, str] | None:
    """The reason an action is unlawful in this state, in Vietnamese and English."""
    if state.signing:
        return (
            "kết quả đang được ký số, vui lòng chờ trong giây lát",
            "the result is being signed; wait a moment",
        )
    if (state.status, state.sub_state) not in ACTIONS[action].allowed_in:
        return (
            f"hồ sơ đang ở trạng thái «{state.status.name_vi}» ({state.status.value}) – "
            f"{state.sub_state.name_vi.lower()}",
            f"the dossier is in status '{state.status.name_en}' ({state.status.value}) – "
            f"{state.sub_state.name_en.lower()}",
        )
    if action is Action.RECORD_PAYMENT and not state.fee_due:
        return ("không có khoản phí, lệ phí nào chờ nộp", "no fee awaits payment")
    if action is Action.ACCEPT and state.fee_due:
        return (
            "phí, lệ phí của thủ tục này nộp khi nộp hồ sơ và chưa được nộp (hoặc miễn)",
            "this procedure's fee is paid when the dossier is filed, and it is not yet paid "
            "(or exempted)",
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
    action: Action, state: LifecycleState, command: ActionCommand
) -> tuple[str, str] | None:
    """Why a lawful action still needs a reason here, or None.

    Guidance is given once (Decree 118/2025 art. 15): a second supplement *request* must say
    why, and counts the dossier as late; an appraisal that finds the dossier sufficient asks
    for nothing and needs no reason. A fee already paid is not asked for again unless the
    officer names the second, distinct obligation.
    """
    if command.reason:
        return None
    asks_supplement = action is Action.REQUEST_SUPPLEMENT or (
        isinstance(command, Appraisal) and command.result is AppraisalResult.INSUFFICIENT
    )
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


def fee_awaited(status: S, amount_vnd: int | None, paid: bool) -> bool:
    """A fee asked for and not yet paid: the procedure's fee at submission, until paid or
    exempted, or the obligation an officer asked for after appraisal."""
    if status is S.FINANCIAL_OBLIGATION:
        return True
    return status is S.NEW and amount_vnd is not None and not paid


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
    spec = ACTIONS[action]
    vi, en = spec.label_vi, spec.label_en
    return IllegalActionMessage(
        action=action,
        status=state.status,
        sub_state=state.sub_state,
        message_vi=f"Không thể thực hiện «{vi}»: {why[0]}.",
        message_en=f"Cannot '{en.lower()}': {why[1]}.",
    )
