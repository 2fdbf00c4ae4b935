"""Messages to the applicant: the channels a citizen may choose, and what each message is
about. The words are data (catalogue/data/messages.toml)."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from schemas.words import Worded, name_all

# A citizen's messages share the outbox with the staff's alarms; their kind says which.
CITIZEN_KIND = "citizen."


class CitizenChannel(Worded):
    SMS = "sms"
    EMAIL = "email"
    # Zalo Notification Service: a template message to the phone's Zalo account.
    ZALO = "zalo"


name_all(
    CitizenChannel,
    {
        CitizenChannel.SMS: ("Tin nhắn SMS", "SMS"),
        CitizenChannel.EMAIL: ("Thư điện tử", "Email"),
        CitizenChannel.ZALO: ("Zalo", "Zalo"),
    },
)


class MessageKind(Worded):
    RECEIPT = "receipt"
    SUPPLEMENT = "supplement"
    PAYMENT_DUE = "payment_due"
    EXTENDED = "extended"
    DATE_MOVED = "date_moved"
    RESULT_READY = "result_ready"
    RESULT_RETURNED = "result_returned"
    RATING = "rating"

    @property
    def outbox_kind(self) -> str:
        return f"{CITIZEN_KIND}{self.value}"


name_all(
    MessageKind,
    {
        MessageKind.RECEIPT: ("Đã tiếp nhận, hẹn trả", "Received, result date"),
        MessageKind.SUPPLEMENT: ("Yêu cầu bổ sung", "Supplement requested"),
        MessageKind.PAYMENT_DUE: ("Nộp phí, lệ phí", "Fee due"),
        MessageKind.EXTENDED: ("Xin lỗi, hẹn lại", "Apology, new date"),
        MessageKind.DATE_MOVED: ("Đổi ngày hẹn", "Date moved"),
        MessageKind.RESULT_READY: ("Đã có kết quả", "Result ready"),
        MessageKind.RESULT_RETURNED: ("Đã trả kết quả", "Result returned"),
        MessageKind.RATING: ("Mời đánh giá", "Rating invitation"),
    },
)


class Language(StrEnum):
    VI = "vi"
    EN = "en"


class ApplicantMessage(BaseModel):
    """One message to the applicant and whether it reached them, as staff see it."""

    id: int
    seq: int
    kind: MessageKind
    kind_name_vi: str
    kind_name_en: str
    channel: CitizenChannel
    recipient: str
    text: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None
