"""Who may see and do what: role and unit scope (ARCHITECTURE.md, decision 10).

Staff see a dossier when their unit received it, decides it, returns it or holds it now;
a supervisor sees their level and below (the province's supervisors see every unit);
administrators maintain reference data and may read everything. Acting needs the role
the law gives the action and the unit that holds the dossier; counter clerks also act
for the unit that received or returns it.
"""

from db.models import DossierRow
from schemas.actions import ActionCommand, ConsultationAnswer
from schemas.lifecycle import ACTIONS, Action, Role
from schemas.users import StaffUser
from services.errors import Forbidden


def province_wide(user: StaffUser) -> bool:
    return user.role in (Role.SUPERVISOR, Role.ADMIN) and user.unit_level == "province"


def _consulted(row: DossierRow) -> set[str]:
    return {str(c["unit"]) for c in row.snapshot.get("consultations", [])}


def awaited(row: DossierRow) -> set[str]:
    """The consulted agencies whose answer is still awaited."""
    return {
        str(c["unit"])
        for c in row.snapshot.get("consultations", [])
        if c.get("answered_at") is None and not c.get("expired")
    }


def _units(row: DossierRow) -> set[str]:
    return {
        row.receiving_unit,
        row.competent_authority,
        row.returning_unit,
        row.holder_unit,
        *_consulted(row),
    }


def can_see(user: StaffUser, row: DossierRow) -> bool:
    return province_wide(user) or user.unit in _units(row)


def check_see(user: StaffUser, row: DossierRow) -> None:
    if not can_see(user, row):
        raise Forbidden(
            f"Hồ sơ «{row.code}» không thuộc phạm vi của {user.unit}.",
            f"Dossier '{row.code}' is outside the scope of {user.unit}.",
        )


def check_act(user: StaffUser, action: Action, row: DossierRow, command: ActionCommand) -> None:
    if user.role not in ACTIONS[action].performed_by:
        raise Forbidden(
            f"Vai trò «{user.role.value}» không được thực hiện «{action.value}».",
            f"Role '{user.role.value}' may not '{action.value}'.",
        )
    if action is Action.ANSWER_CONSULTATION:
        # An agency answers for itself only; whether a question awaits it is the
        # workflow's to say (409), not access's.
        named = command.unit if isinstance(command, ConsultationAnswer) else None
        allowed = {named} if named else set()
    elif user.role is Role.CLERK:
        allowed = {row.holder_unit, row.receiving_unit, row.returning_unit}
    else:
        allowed = {row.holder_unit}
    if user.unit not in allowed:
        raise Forbidden(
            f"{user.unit} không giữ hồ sơ «{row.code}» nên không thể thực hiện thao tác này.",
            f"{user.unit} does not hold dossier '{row.code}' and cannot act on it.",
        )


def check_unit(user: StaffUser, unit: str, *roles: Role) -> None:
    """Unit-wide tools (queues, bulk reassignment): the unit's own staff, or province-wide."""
    if roles and user.role not in roles and not province_wide(user):
        raise Forbidden(
            f"Vai trò «{user.role.value}» không được dùng chức năng này.",
            f"Role '{user.role.value}' may not use this.",
        )
    if user.unit != unit and not province_wide(user):
        raise Forbidden(
            f"Đơn vị «{unit}» không thuộc phạm vi của {user.unit}.",
            f"Unit '{unit}' is outside the scope of {user.unit}.",
        )


def check_admin(user: StaffUser) -> None:
    if user.role is not Role.ADMIN:
        raise Forbidden(
            "Chỉ quản trị viên được thực hiện thao tác này.",
            "Only administrators may do this.",
        )


def can_read_documents(user: StaffUser, row: DossierRow) -> bool:
    """The papers themselves: everyone who may see the dossier, consulted agencies
    included, but not administrators, who keep reference data and have no case to read a
    citizen's papers for."""
    return can_see(user, row) and user.role is not Role.ADMIN


def can_attach(user: StaffUser, row: DossierRow) -> bool:
    """Scans are attached by the counter that received the dossier or by the unit that holds
    it now (a clerk scanning, an officer adding what an inspection found)."""
    return user.role in (Role.CLERK, Role.OFFICER) and user.unit in (
        row.receiving_unit,
        row.holder_unit,
    )


def check_read_documents(user: StaffUser, row: DossierRow) -> None:
    check_see(user, row)
    if not can_read_documents(user, row):
        raise Forbidden(
            "Quản trị viên không xem giấy tờ của hồ sơ.",
            "Administrators do not read a dossier's papers.",
        )


def check_attach(user: StaffUser, row: DossierRow) -> None:
    check_see(user, row)
    if not can_attach(user, row):
        raise Forbidden(
            f"Chỉ cán bộ một cửa hoặc chuyên viên của đơn vị đang giữ hồ sơ «{row.code}» được "
            "đính kèm tài liệu.",
            f"Only clerks or officers of the unit receiving or holding dossier '{row.code}' "
            "attach documents.",
        )
