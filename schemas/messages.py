"""Messages to the applicant: the channels a citizen may choose, and what each message is
about. The words are data (catalogue/data/messages.toml)."""

from enum import StrEnum

# A citizen's messages share the outbox with the staff's alarms; their kind says which.
CITIZEN_KIND = "citizen."


class CitizenChannel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    # Zalo Notification Service: a template message to the phone's Zalo account.
    ZALO = "zalo"

    @property
    def name_vi(self) -> str:
        return _CHANNEL_NAMES[self][0]

    @property
    def name_en(self) -> str:
        return _CHANNEL_NAMES[self][1]


_CHANNEL_NAMES = {
    CitizenChannel.SMS: ("Tin nhắn SMS", "SMS"),
    CitizenChannel.EMAIL: ("Thư điện tử", "Email"),
    CitizenChannel.ZALO: ("Zalo", "Zalo"),
}


class MessageKind(StrEnum):
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


class Language(StrEnum):
    VI = "vi"
    EN = "en"
