"""The kinds of event in a dossier's audit log, with the labels people read."""

from enum import StrEnum


class EventType(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    SUPPLEMENT_SUBMITTED = "supplement_submitted"
    REFUSED = "refused"
    TRANSFERRED = "transferred"
    ASSIGNED = "assigned"
    REASSIGNED = "reassigned"
    APPRAISED = "appraised"
    CONSULTATION_REQUESTED = "consultation_requested"
    CONSULTATION_ANSWERED = "consultation_answered"
    CONSULTATION_EXPIRED = "consultation_expired"
    PAYMENT_REQUESTED = "payment_requested"
    PAYMENT_RECORDED = "payment_recorded"
    APPROVED = "approved"
    SIGNING_FAILED = "signing_failed"
    EXTENDED = "extended"
    RESULT_READY = "result_ready"
    RESULT_RETURNED = "result_returned"
    WITHDRAWAL_REQUESTED = "withdrawal_requested"
    STOPPED = "stopped"
    EXTENSION_DRAFTED = "extension_drafted"
    FORWARDED = "forwarded"
    VERIFICATION_STARTED = "verification_started"
    VERIFICATION_ENDED = "verification_ended"
    DEADLINE_WARNING = "deadline_warning"
    APOLOGY_REQUIRED = "apology_required"
    DEADLINE_BREACHED = "deadline_breached"
    DEADLINE_RECOMPUTED = "deadline_recomputed"
    SUSPENDED = "suspended"
    SUPPLEMENT_EXPIRED = "supplement_expired"

    @property
    def label_vi(self) -> str:
        return _EVENT_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _EVENT_LABELS[self][1]


_EVENT_LABELS: dict[EventType, tuple[str, str]] = {
    EventType.SUBMITTED: ("Nộp hồ sơ", "Dossier submitted"),
    EventType.ACCEPTED: ("Tiếp nhận hồ sơ", "Dossier accepted"),
    EventType.SUPPLEMENT_REQUESTED: ("Yêu cầu bổ sung hồ sơ", "Supplement requested"),
    EventType.SUPPLEMENT_SUBMITTED: ("Công dân nộp bổ sung", "Supplement submitted"),
    EventType.REFUSED: ("Từ chối tiếp nhận", "Dossier refused"),
    EventType.TRANSFERRED: ("Chuyển cơ quan có thẩm quyền", "Transferred to the authority"),
    EventType.ASSIGNED: ("Phân công xử lý", "Officer assigned"),
    EventType.REASSIGNED: ("Phân công lại", "Officer reassigned"),
    EventType.APPRAISED: ("Thẩm định hồ sơ", "Dossier appraised"),
    EventType.CONSULTATION_REQUESTED: ("Gửi lấy ý kiến", "Consultation requested"),
    EventType.CONSULTATION_ANSWERED: ("Nhận ý kiến trả lời", "Consultation answered"),
    EventType.CONSULTATION_EXPIRED: ("Quá hạn trả lời xin ý kiến", "Consultation expired"),
    EventType.PAYMENT_REQUESTED: ("Yêu cầu nghĩa vụ tài chính", "Payment requested"),
    EventType.PAYMENT_RECORDED: ("Đã nộp nghĩa vụ tài chính", "Payment recorded"),
    EventType.APPROVED: ("Lãnh đạo ký duyệt", "Decision signed"),
    EventType.SIGNING_FAILED: ("Ký số không thành công", "Signing failed"),
    EventType.EXTENDED: ("Thư xin lỗi, hẹn lại ngày trả", "Apology and new date"),
    EventType.RESULT_READY: ("Kết quả chuyển về một cửa", "Result at the counter"),
    EventType.RESULT_RETURNED: ("Đã trả kết quả", "Result returned"),
    EventType.WITHDRAWAL_REQUESTED: ("Công dân xin rút hồ sơ", "Withdrawal requested"),
    EventType.STOPPED: ("Dừng xử lý hồ sơ", "Processing stopped"),
    EventType.EXTENSION_DRAFTED: ("Dự thảo thư xin lỗi, gia hạn", "Apology letter drafted"),
    EventType.FORWARDED: ("Chuyển bước tiếp theo", "Handed over to the next step"),
    EventType.VERIFICATION_STARTED: ("Tạm dừng chờ xác minh", "Paused for verification"),
    EventType.VERIFICATION_ENDED: ("Nhận kết quả xác minh", "Verification received"),
    EventType.DEADLINE_WARNING: ("Cảnh báo thời hạn", "Deadline warning"),
    EventType.APOLOGY_REQUIRED: ("Phải gửi thư xin lỗi, gia hạn", "Apology letter required"),
    EventType.DEADLINE_BREACHED: ("Quá hạn giải quyết", "Deadline breached"),
    EventType.DEADLINE_RECOMPUTED: ("Tính lại thời hạn theo lịch", "Deadline recomputed"),
    EventType.SUSPENDED: ("Tạm dừng / gia hạn theo văn bản", "Suspended or extended by decision"),
    EventType.SUPPLEMENT_EXPIRED: ("Quá hạn bổ sung hồ sơ", "Supplement deadline expired"),
}
