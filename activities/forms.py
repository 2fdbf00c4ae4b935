"""The official forms 01–05 in Vietnamese, issued with the dossier.

Issuing fixes what a form says (its HTML, from the event and the snapshot); the PDF is
typeset from that on the first download (`signing.typeset`), off the workflow's path.
"""

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
import segno
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity

from db.dossiers import store_form
from db.models import DossierFormRow
from db.reference import get_units
from db.session import SessionMaker, without_transaction
from schemas.dossier import FormKind
from schemas.records import FormRequest
from schemas.tracking import tracking_secret

TITLES: dict[FormKind, str] = {
    FormKind.RECEIPT: "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    FormKind.SUPPLEMENT_REQUEST: "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    FormKind.REFUSAL: "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    FormKind.APOLOGY: "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    FormKind.STOP_NOTICE: "THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ",
}

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def render_html(context: dict[str, Any]) -> str:
    return _ENVIRONMENT.get_template("form.html").render(**context)


# "Ủy ban nhân dân tỉnh Đắk Lắk" → "Đắk Lắk": the place a province's documents are dated at.
_PROVINCE_WORDS = re.compile(r"^(?:(?:ủy|uỷ) ban nhân dân\s+)?(?:tỉnh|thành phố)\s+", re.IGNORECASE)


def locality(province_name: str) -> str:
    return _PROVINCE_WORDS.sub("", province_name, count=1)


def tracking_qr(url: str) -> str:
    """The QR code of the tracking page, as an image the form embeds: a phone's camera
    opens the page with the code filled in, and the secret printed beside it is all that
    is left to type. The secret stays off the code, so a photo of it tells nobody more."""
    return str(segno.make(url, error="m").svg_data_uri(scale=3, border=2))


class FormActivities:
    def __init__(
        self,
        sessionmaker: SessionMaker,
        secret_key: str,
        timezone: str,
        province_code: str,
        public_url: str = "http://127.0.0.1:8000",
    ) -> None:
        self._sessionmaker = sessionmaker
        self._secret_key = secret_key
        self._tz = ZoneInfo(timezone)
        self._province = province_code
        self._site = public_url.rstrip("/")

    def tracking_url(self, code: str) -> str:
        return f"{self._site}/tra-cuu?{urlencode({'code': code})}"

    def _when(self, moment: datetime | None) -> str:
        if moment is None:
            return "—"
        return f"{moment.astimezone(self._tz):%H giờ %M, ngày %d/%m/%Y}"

    @activity.defn(name="render_form")
    async def render_form(self, request: FormRequest) -> None:
        """The form on its own: for dossiers that issued it in a step after its event."""
        async with self._sessionmaker() as session:
            await without_transaction(session)
            row = await self.compose(session, request)
        async with self._sessionmaker() as session, session.begin():
            await store_form(session, row)

    async def compose(self, session: AsyncSession, request: FormRequest) -> DossierFormRow:
        """The form's text, fixed now from the event, the snapshot and the catalogue."""
        dossier, snapshot, event = request.dossier, request.snapshot, request.event
        units = await get_units(
            session,
            {
                dossier.receiving_unit,
                dossier.competent_authority,
                dossier.returning_unit,
                event.actor_unit,
                self._province,
            },
        )
        issuer = units.get(event.actor_unit) or units[dossier.receiving_unit]
        if issuer.parent_code is not None and issuer.parent_code not in units:
            units |= await get_units(session, {issuer.parent_code})
        # The heading names the issuing unit under the body it answers to (the province's
        # committee for its departments and communes), both as the catalogue spells them.
        above = None if issuer.parent_code is None else units.get(issuer.parent_code)
        place = locality(units[self._province].name_vi)
        respond_by = request.details.get("respond_by") or event.data.get("respond_by")
        context = {
            "form": request.form.value,
            "title": TITLES[request.form],
            "dossier": dossier,
            "procedure": dossier.procedure,
            "event": event,
            "details": request.details,
            "authority_upper": "" if above is None else above.name_vi.upper(),
            "unit_upper": issuer.name_vi.upper(),
            "receiving": units[dossier.receiving_unit].name_vi,
            "competent": units[dossier.competent_authority].name_vi,
            "returning": units[dossier.returning_unit].name_vi,
            "submitted": self._when(dossier.submitted_at),
            "event_time": self._when(event.at),
            "place_date": f"{place}, ngày {event.at.astimezone(self._tz):%d/%m/%Y}",
            "due": self._when(snapshot.due_at),
            "due_explanation": snapshot.due_explanation_vi or "",
            "original_due": self._when(snapshot.original_due_at),
            "new_due": self._when(snapshot.due_at),
            "respond_by": self._when(datetime.fromisoformat(respond_by)) if respond_by else None,
            "tracking_secret": tracking_secret(self._secret_key, dossier.code),
            "tracking_url": self.tracking_url(dossier.code),
            "tracking_qr": tracking_qr(self.tracking_url(dossier.code)),
        }
        return DossierFormRow(
            dossier_code=dossier.code,
            seq=event.seq,
            form=request.form.value,
            filename=f"mau-{request.form.value}-{dossier.code}-{event.seq}.pdf",
            html=render_html(context),
            created_at=event.at,
        )
