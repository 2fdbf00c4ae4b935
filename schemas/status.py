"""Official DVCQG status codes, channels and the internal sub-states that sit under them."""

from enum import IntEnum, StrEnum


class DossierStatus(IntEnum):
    """The ten status codes exchanged with the National Public Service Portal (DVCQG)."""

    NEW = 1
    ACCEPTED = 2
    REFUSED = 3
    PROCESSING = 4
    SUPPLEMENT_REQUESTED = 5
    FINANCIAL_OBLIGATION = 6
    WITHDRAWAL_REQUESTED = 7
    STOPPED = 8
    RESULT_READY = 9
    RESULT_RETURNED = 10

    @property
    def name_vi(self) -> str:
        return _STATUS_NAMES[self][0]

    @property
    def name_en(self) -> str:
        return _STATUS_NAMES[self][1]

    @property
    def ends_processing(self) -> bool:
        """Decision 766: processing ends at result ready, returned, refused or stopped."""
        return self in (
            DossierStatus.RESULT_READY,
            DossierStatus.RESULT_RETURNED,
            DossierStatus.REFUSED,
            DossierStatus.STOPPED,
        )

    @property
    def is_terminal(self) -> bool:
        return self in (DossierStatus.REFUSED, DossierStatus.STOPPED, DossierStatus.RESULT_RETURNED)


_STATUS_NAMES: dict[DossierStatus, tuple[str, str]] = {
    DossierStatus.NEW: ("Mới đăng ký", "Newly registered"),
    DossierStatus.ACCEPTED: ("Được tiếp nhận", "Accepted"),
    DossierStatus.REFUSED: ("Không được tiếp nhận", "Refused at intake"),
    DossierStatus.PROCESSING: ("Đang xử lý", "Being processed"),
    DossierStatus.SUPPLEMENT_REQUESTED: ("Yêu cầu bổ sung giấy tờ", "Supplement requested"),
    DossierStatus.FINANCIAL_OBLIGATION: (
        "Yêu cầu thực hiện nghĩa vụ tài chính",
        "Financial obligation requested",
    ),
    DossierStatus.WITHDRAWAL_REQUESTED: ("Công dân yêu cầu rút hồ sơ", "Withdrawal requested"),
    DossierStatus.STOPPED: ("Dừng xử lý", "Processing stopped"),
    DossierStatus.RESULT_READY: ("Đã xử lý xong", "Result ready"),
    DossierStatus.RESULT_RETURNED: ("Đã trả kết quả", "Result returned"),
}


class SubState(StrEnum):
    """Where a dossier is inside its DVCQG status; production systems track these per unit."""

    AWAITING_RECEIPT = "awaiting_receipt"
    AWAITING_TRANSFER = "awaiting_transfer"
    AWAITING_ASSIGNMENT = "awaiting_assignment"
    IN_APPRAISAL = "in_appraisal"
    IN_CONSULTATION = "in_consultation"
    IN_VERIFICATION = "in_verification"
    # At another unit for a step of the procedure's internal process (inter-level).
    IN_STEP = "in_step"
    AWAITING_SIGNATURE = "awaiting_signature"
    SIGNED = "signed"
    AWAITING_SUPPLEMENT = "awaiting_supplement"
    AWAITING_PAYMENT = "awaiting_payment"
    AWAITING_STOP_NOTICE = "awaiting_stop_notice"
    AWAITING_RETURN = "awaiting_return"
    CLOSED = "closed"

    @property
    def name_vi(self) -> str:
        return _SUB_STATE_NAMES[self][0]

    @property
    def name_en(self) -> str:
        return _SUB_STATE_NAMES[self][1]


_SUB_STATE_NAMES: dict[SubState, tuple[str, str]] = {
    SubState.AWAITING_RECEIPT: ("Chờ tiếp nhận", "Awaiting receipt"),
    SubState.AWAITING_TRANSFER: (
        "Chờ chuyển cơ quan có thẩm quyền",
        "Awaiting transfer to the competent authority",
    ),
    SubState.AWAITING_ASSIGNMENT: ("Chờ phân công xử lý", "Awaiting assignment"),
    SubState.IN_APPRAISAL: ("Đang thẩm định", "In appraisal"),
    SubState.IN_CONSULTATION: ("Đang lấy ý kiến cơ quan liên quan", "In consultation"),
    SubState.IN_VERIFICATION: (
        "Chờ xác minh (không tính vào thời hạn)",
        "Awaiting external verification (clock paused)",
    ),
    SubState.IN_STEP: ("Đang xử lý tại đơn vị phối hợp", "At another unit for a step"),
    SubState.AWAITING_SIGNATURE: ("Chờ lãnh đạo ký duyệt", "Awaiting signature"),
    SubState.SIGNED: ("Đã ký, chờ chuyển kết quả", "Signed, result not yet at the counter"),
    SubState.AWAITING_SUPPLEMENT: ("Chờ công dân bổ sung", "Awaiting the applicant's supplement"),
    SubState.AWAITING_PAYMENT: ("Chờ thực hiện nghĩa vụ tài chính", "Awaiting payment"),
    SubState.AWAITING_STOP_NOTICE: ("Chờ ban hành thông báo dừng", "Awaiting the stop notice"),
    SubState.AWAITING_RETURN: ("Chờ trả kết quả", "Result awaiting return"),
    SubState.CLOSED: ("Đã kết thúc", "Closed"),
}


class Channel(IntEnum):
    """How the applicant submitted the dossier (Decree 118/2025)."""

    IN_PERSON = 1
    ONLINE = 2
    POSTAL = 3

    @property
    def name_vi(self) -> str:
        return {1: "Trực tiếp", 2: "Trực tuyến", 3: "Qua bưu chính công ích"}[self.value]
