"""The result of a dossier as a signed file: rendered from the catalogue's template at the
leader's approval, signed on the token (the leader, then the unit's seal), kept in the
document store as the dossier's document and entered in the results registry.

One attempt issues at most one result: a retried step (a worker killed mid-way, a lost
answer) finds what an earlier try of the same attempt stored and returns it, and two tries
racing each other leave one row, the other's file unkept. The token's PIN and keys stay in
this process; the workflow sees the outcome only.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.forms import locality
from catalogue import RESULTS_DIR, result_spec
from db.documents import next_version
from db.models import DossierDocumentRow, IssuedResultRow
from db.reference import get_units
from db.session import SessionMaker
from schemas.actions import Decision
from schemas.documents import DocumentForm
from schemas.records import SigningRequest
from schemas.results import RESULT_SLOT, SIGNING_REFUSED, ResultKind, SignedResult
from schemas.status import Channel
from signing.pades import SigningRefused, verify
from signing.seals import Signing
from signing.typeset import typeset_in_thread
from store.content import ContentStore, Limits

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(RESULTS_DIR), autoescape=True, undefined=jinja2.StrictUndefined
)
_PDF_ONLY = Limits(max_bytes=64 * 1024 * 1024, accepted_types=frozenset({"application/pdf"}))
_DAYS_PER_MONTH = 30.4375


def result_number(request: SigningRequest, suffix: str) -> str:
    """The leader's register number, with the paper's suffix unless it already has one."""
    number = request.decision_number.strip()
    return number if "/" in number or not suffix else f"{number}{suffix}"


def refused(reason: str, message_vi: str, message_en: str) -> ApplicationError:
    """Not retried: the leader must put it right (plug the token in, renew the certificate)."""
    return ApplicationError(
        message_vi,
        {"reason": reason, "message_en": message_en},
        type=SIGNING_REFUSED,
        non_retryable=True,
    )


async def _once(content: bytes) -> AsyncIterator[bytes]:
    yield content


def _signed(row: IssuedResultRow) -> SignedResult:
    return SignedResult(
        document_id=row.document_id,
        number=row.number,
        kind=ResultKind(row.kind),
        sha256=row.sha256,
        signed_at=row.issued_at,
        signer=row.signer,
        valid_until=row.valid_until,
    )


class ResultActivities:
    def __init__(
        self,
        sessionmaker: SessionMaker,
        content: ContentStore,
        signing: Signing | None,
        timezone: str,
        province_code: str,
        public_url: str,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._content = content
        self._signing = signing
        self._tz = ZoneInfo(timezone)
        self._province = province_code
        self._verify_url = f"{public_url.rstrip('/')}/xac-thuc"

    @activity.defn(name="sign_result")
    async def sign_result(self, request: SigningRequest) -> SignedResult:
        async with self._sessionmaker() as session:
            earlier = await self._issued(session, request.attempt)
        if earlier is not None:
            return earlier
        if self._signing is None:
            raise refused(
                "not_configured",
                "Chưa cấu hình thiết bị ký số cho máy chủ xử lý; liên hệ quản trị hệ thống.",
                "No signing token is configured for the worker.",
            )
        granted = request.decision is Decision.GRANT
        spec = result_spec(request.dossier.procedure, granted)
        number = result_number(request, spec.number_suffix)
        html, place = await self.compose(request, number, granted)
        pdf = await typeset_in_thread(html)
        activity.heartbeat("typeset")
        try:
            signed = await self._signing.sign_result(
                pdf, f"{spec.title_vi.capitalize()} số {number}", place
            )
        except SigningRefused as exc:
            raise refused(exc.reason, exc.message_vi, str(exc)) from None
        activity.heartbeat("signed")
        verdicts = await verify(signed, self._signing.roots, review_changes=False)
        # Never a half-signed result: both signatures, each intact, or nothing is kept.
        if len(verdicts) != 2 or not all(v.intact for v in verdicts):
            raise ApplicationError("the signed result does not verify", type="SignatureBroken")
        leader = verdicts[0]
        staged = await self._content.stage(_once(signed), _PDF_ONLY)
        issued_at = leader.signed_at or activity.info().current_attempt_scheduled_time
        document_id, row = str(uuid.uuid4()), None
        try:
            async with self._sessionmaker() as session, session.begin():
                session.add(
                    DossierDocumentRow(
                        id=document_id,
                        dossier_code=request.dossier.code,
                        slot=RESULT_SLOT,
                        version=await next_version(session, request.dossier.code, RESULT_SLOT),
                        part=1,
                        form=DocumentForm.ELECTRONIC.value,
                        filename=f"ket-qua-{request.dossier.code}.pdf",
                        media_type=staged.media_type,
                        size=staged.size,
                        sha256=staged.sha256,
                        key_id=staged.key_id,
                        uploaded_by=request.leader,
                        uploader_role="leader",
                        channel=Channel.ONLINE,
                        uploaded_at=issued_at,
                    )
                )
                row = IssuedResultRow(
                    id=str(uuid.uuid4()),
                    attempt=request.attempt,
                    number=number,
                    kind=spec.kind.value,
                    title=spec.title_vi,
                    decision=request.decision.value,
                    dossier_code=request.dossier.code,
                    procedure_code=request.dossier.procedure_code,
                    issuing_unit=request.leader_unit,
                    holder_name=request.dossier.applicant.organisation_name
                    or request.dossier.applicant.full_name,
                    holder_id_number=request.dossier.applicant.tax_code
                    or request.dossier.applicant.id_number,
                    issued_at=issued_at,
                    valid_until=None
                    if spec.valid_months is None or not granted
                    else issued_at + timedelta(days=round(spec.valid_months * _DAYS_PER_MONTH)),
                    signer=leader.signer,
                    signed_by=request.leader,
                    document_id=document_id,
                    sha256=staged.sha256,
                )
                session.add(row)
                await session.flush()
                await self._content.keep(staged)
        except IntegrityError:
            # Another try of this attempt got there first: its result stands, ours is dropped.
            async with self._sessionmaker() as session:
                earlier = await self._issued(session, request.attempt)
            if earlier is None:
                raise
            return earlier
        finally:
            staged.discard()
        assert row is not None
        return _signed(row)

    @staticmethod
    async def _issued(session: AsyncSession, attempt: str) -> SignedResult | None:
        found = (
            await session.exec(select(IssuedResultRow).where(IssuedResultRow.attempt == attempt))
        ).first()
        return None if found is None else _signed(found)

    async def compose(self, request: SigningRequest, number: str, granted: bool) -> tuple[str, str]:
        """The result's HTML, and the place it is signed at (the province's locality)."""
        dossier = request.dossier
        async with self._sessionmaker() as session:
            units = await get_units(
                session, {request.leader_unit, dossier.receiving_unit, self._province}
            )
            issuer = units[request.leader_unit]
            if issuer.parent_code is not None and issuer.parent_code not in units:
                units |= await get_units(session, {issuer.parent_code})
        above = None if issuer.parent_code is None else units.get(issuer.parent_code)
        spec = result_spec(dossier.procedure, granted)
        decided = request.decided_at.astimezone(self._tz)
        valid_until = None
        if spec.valid_months is not None and granted:
            end = decided + timedelta(days=round(spec.valid_months * _DAYS_PER_MONTH))
            valid_until = f"{end:%d/%m/%Y}"
        place = locality(units[self._province].name_vi)
        html = _ENVIRONMENT.get_template("result.html").render(
            spec=spec,
            number=number,
            dossier=dossier,
            procedure=dossier.procedure,
            applicant=dossier.applicant,
            applicant_kind=dossier.applicant.kind.name_vi,
            refused=not granted,
            reason=request.reason,
            valid_until=valid_until,
            authority_upper="" if above is None else above.name_vi.upper(),
            unit_upper=issuer.name_vi.upper(),
            issuer_upper=issuer.name_vi.upper(),
            issuer_name=issuer.name_vi,
            receiving=units[dossier.receiving_unit].name_vi,
            submitted=f"{dossier.submitted_at.astimezone(self._tz):%d/%m/%Y}",
            place_date=f"{place}, ngày {decided:%d} tháng {decided:%m} năm {decided:%Y}",
            verify_url=self._verify_url,
            demo=self._signing is not None and self._signing.demo,
        )
        return html, place
