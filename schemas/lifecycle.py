"""Which action each state permits, and the words a clerk reads when one is refused.

Pure data and functions: the workflow's update validators and the API's `allowed_actions`
both read this table, so the buttons a clerk sees are exactly what the workflow accepts.
"""

from enum import StrEnum

from pydantic import BaseModel

from schemas.status import DossierStatus, SubState


class Action(StrEnum):
    ACCEPT = "accept"


class ActionLabel(BaseModel):
    action: Action
    label_vi: str
    label_en: str


_LABELS: dict[Action, tuple[str, str]] = {
    Action.ACCEPT: ("Tiếp nhận hồ sơ", "Accept the dossier"),
}

# Decree 118/2025 art. 15: a dossier is accepted once, while it awaits its completeness check.
_ALLOWED_IN: dict[Action, frozenset[tuple[DossierStatus, SubState]]] = {
    Action.ACCEPT: frozenset({(DossierStatus.NEW, SubState.AWAITING_RECEIPT)}),
}


def label(action: Action) -> ActionLabel:
    vi, en = _LABELS[action]
    return ActionLabel(action=action, label_vi=vi, label_en=en)


def allowed_actions(status: DossierStatus, sub_state: SubState) -> list[Action]:
    return [action for action, states in _ALLOWED_IN.items() if (status, sub_state) in states]


class IllegalActionMessage(BaseModel):
    """Why an action is refused, in both languages, with the state that forbids it."""

    action: Action
    status: DossierStatus
    sub_state: SubState
    message_vi: str
    message_en: str


def refusal(
    action: Action, status: DossierStatus, sub_state: SubState
) -> IllegalActionMessage | None:
    """None when the action is allowed; otherwise the message naming the forbidding state."""
    if (status, sub_state) in _ALLOWED_IN[action]:
        return None
    vi, en = _LABELS[action]
    return IllegalActionMessage(
        action=action,
        status=status,
        sub_state=sub_state,
        message_vi=(
            f"Không thể thực hiện «{vi}»: hồ sơ đang ở trạng thái "
            f"«{status.name_vi}» ({status.value}) – {sub_state.name_vi.lower()}."
        ),
        message_en=(
            f"Cannot '{en.lower()}': the dossier is in status "
            f"'{status.name_en}' ({status.value}) – {sub_state.name_en.lower()}."
        ),
    )
