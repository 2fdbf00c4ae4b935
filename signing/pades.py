"""PAdES signatures on a PDF with pyHanko: a visible box naming the signer and the time,
the certificate chain embedded; and verification that says who signed, when, whether the
document changed since and whether the certificate was valid then.

Signing needs the token's library, label and PIN; the private key never leaves the token.
"""

import asyncio
import datetime as dt
import functools
import io
import logging
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pkcs11
from asn1crypto import cms as asn1_cms
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pkcs11 import Attribute, ObjectClass
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
STAMP_FONT_SIZE = 8
# Subsetting the stamp's font warns, for every signature, of a table it drops that no
# reader needs (FFTM, FontForge's timestamps).
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


# What a stamp says (a Vietnamese name, a time, a reason) is written in these: ASCII, the
# Vietnamese letters (with Latin-1's accented vowels, Ă Đ Ĩ Ũ Ơ Ư and Latin Extended
# Additional's ạ … ỹ), the five tone marks for a decomposed name, and the typographer's
# dashes and quotes.
STAMP_UNICODES = sorted(
    {
        *range(0x20, 0x7F),
        *map(ord, "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư"),
        *range(0x1EA0, 0x1EFA),
        0x300,
        0x301,
        0x303,
        0x309,
        0x323,
        *map(ord, "–—‘’“”…·"),
    }
)


@functools.cache
def stamp_font() -> str:
    """DejaVu Sans scaled to 1000 units per em and cut to the stamp's letters, made once
    per machine. pyHanko writes a font's glyph widths as the font counts them, which a PDF
    reads as thousandths of an em: DejaVu's 2048-unit glyphs came out twice as wide, the
    stamp's letters spread apart. pyHanko subsets the font again for every signature, and
    reading DejaVu's layout tables to do so was two thirds of a signature's time. The stamp
    needs none of them: its words are composed (NFC) before they are shaped, and every
    Vietnamese letter has a glyph of its own, so no accent is placed by a layout rule."""
    target = Path(tempfile.gettempdir()) / f"motcua-dejavu-sans-1000-vi2-{os.getuid()}.ttf"
    if not target.exists():
        font = TTFont(FONT)
        scale_upem(font, 1000)
        options = subset.Options()
        options.layout_features = []
        options.name_IDs = ["*"]
        options.notdef_outline = True
        cutter = subset.Subsetter(options)
        cutter.populate(unicodes=STAMP_UNICODES)
        cutter.subset(font)
        partial = target.with_suffix(f".{os.getpid()}.part")
        font.save(str(partial))
        os.replace(partial, target)
    return str(target)


class SigningRefused(Exception):
    """The token is there but cannot sign this: the certificate's validity, the PIN, the
    token itself. Said in Vietnamese for the leader, in English for the log."""

    def __init__(self, reason: str, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.reason = reason
        self.message_vi = message_vi


@dataclass(frozen=True)
class TokenAccess:
    library: str
    label: str
    pin: str
    key_label: str = "leader"


@dataclass(frozen=True)
class KeyFile:
    """A key and its certificate in a PKCS#12 file, for a unit without a token: weaker
    (the key can be copied), so the token is the default."""

    path: Path
    passphrase: str


@dataclass(frozen=True)
class Signature:
    field: str
    reason: str
    location: str
    # Where the visible box sits on the last page: (x1, y1, x2, y2) in points.
    box: tuple[int, int, int, int] = (330, 40, 560, 120)
    # The box shows the signing time as the people reading it tell time.
    timezone: str = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class Verdict:
    """One signature's verification, in the words a bank clerk needs."""

    signer: str
    signed_at: dt.datetime | None
    intact: bool
    trusted: bool
    valid_at_signing: bool
    covers_whole_document: bool

    @property
    def good(self) -> bool:
        return self.intact and self.trusted and self.valid_at_signing


def _certificate(session: pkcs11.Session, label: str) -> asn1_x509.Certificate:
    found = [
        asn1_x509.Certificate.load(obj[Attribute.VALUE])
        for obj in session.get_objects(
            {Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.LABEL: label}
        )
    ]
    if not found:
        raise SigningRefused(
            "no_certificate",
            "Thiết bị ký số không có chứng thư số của người ký.",
            "The token holds no signer certificate.",
        )
    return found[0]


def _check_validity(cert: asn1_x509.Certificate, now: dt.datetime) -> None:
    validity = cert["tbs_certificate"]["validity"]
    not_before = validity["not_before"].native
    not_after = validity["not_after"].native
    if now > not_after:
        raise SigningRefused(
            "certificate_expired",
            f"Chứng thư số của người ký đã hết hạn ngày {not_after:%d/%m/%Y}; cần gia hạn "
            "hoặc dùng chứng thư số khác trước khi ký.",
            f"The signer's certificate expired on {not_after:%Y-%m-%d}.",
        )
    if now < not_before:
        raise SigningRefused(
            "certificate_not_yet_valid",
            f"Chứng thư số của người ký chỉ có hiệu lực từ ngày {not_before:%d/%m/%Y}.",
            f"The signer's certificate is valid only from {not_before:%Y-%m-%d}.",
        )


# One signature at a time per process: a token's login is the application's, so a second
# session logging in while the first is signed in is refused, and a USB token signs one
# document at a time anyway.
_TOKEN_IN_USE = asyncio.Lock()


async def sign(
    pdf: bytes,
    key: TokenAccess | KeyFile,
    signature: Signature,
    ca_chain: list[asn1_x509.Certificate],
) -> bytes:
    """The PDF with one more signature, added as an incremental update."""
    if isinstance(key, KeyFile):
        return await _signed(pdf, _file_signer(key, ca_chain), signature)
    async with _TOKEN_IN_USE:
        try:
            session = open_pkcs11_session(
                key.library, token_criteria=TokenCriteria(label=key.label), user_pin=key.pin
            )
        except Exception as exc:
            raise SigningRefused(
                "token_unavailable",
                "Không mở được thiết bị ký số (chưa cắm, sai mã PIN hoặc bị khóa).",
                f"The signing token cannot be opened: {exc!r}",
            ) from exc
        try:
            _check_validity(_certificate(session, key.key_label), dt.datetime.now(dt.UTC))
            signer = PKCS11Signer(
                session, cert_label=key.key_label, key_label=key.key_label, ca_chain=ca_chain
            )
            return await _signed(pdf, signer, signature)
        finally:
            session.close()


def _file_signer(key: KeyFile, ca_chain: list[asn1_x509.Certificate]) -> signers.Signer:
    try:
        signer: signers.SimpleSigner = signers.SimpleSigner.load_pkcs12_data(
            key.path.read_bytes(), other_certs=ca_chain, passphrase=key.passphrase.encode()
        )
    except (OSError, ValueError) as exc:
        raise SigningRefused(
            "key_file_unreadable",
            "Không đọc được tệp khóa ký số (sai đường dẫn hoặc sai mật khẩu).",
            f"The PKCS#12 key file cannot be read: {exc!r}",
        ) from exc
    assert signer.signing_cert is not None, "a PKCS#12 file's key comes with its certificate"
    _check_validity(signer.signing_cert, dt.datetime.now(dt.UTC))
    return signer


# The room a signature takes in the PDF depends on its key and certificates alone. pyHanko
# finds it by making a whole trial signature first; it is measured once per key instead.
_ROOM: dict[bytes, int] = {}


def _room_taken(signed: bytes) -> int:
    """Hex digits reserved for a signature like the PDF's last, with pyHanko's margin."""
    embedded = PdfFileReader(io.BytesIO(signed)).embedded_signatures[-1]
    contents = embedded.sig_object["/Contents"].original_bytes
    used = len(asn1_cms.ContentInfo.load(contents, strict=False).dump()) * 2
    return used + 2 * (used // 4)


async def _signed(pdf: bytes, signer: signers.Signer, signature: Signature) -> bytes:
    key = signer.signing_cert.sha256 if signer.signing_cert is not None else b""
    meta = signers.PdfSignatureMetadata(
        field_name=signature.field,
        reason=signature.reason,
        location=signature.location,
        md_algorithm="sha256",
    )
    reader = IncrementalPdfFileWriter(io.BytesIO(pdf))
    last_page = int(reader.root["/Pages"]["/Count"]) - 1
    pdf_signer = signers.PdfSigner(
        meta,
        signer,
        stamp_style=TextStampStyle(
            stamp_text="Ký bởi: %(signer)s\nThời gian: %(when)s\n%(reason)s",
            border_width=1,
            # The standard fonts have no Vietnamese: the stamp embeds DejaVu's glyphs. The
            # shaper and the box must agree on the size, or the glyphs spread apart.
            text_box_style=TextBoxStyle(
                font=GlyphAccumulatorFactory(
                    stamp_font(),
                    font_size=STAMP_FONT_SIZE,
                    ot_script_tag="latn",
                    bcp47_lang_code="vi",
                ),
                font_size=STAMP_FONT_SIZE,
            ),
        ),
        new_field_spec=fields.SigFieldSpec(signature.field, on_page=last_page, box=signature.box),
    )
    out = io.BytesIO()
    await pdf_signer.async_sign_pdf(
        reader,
        output=out,
        bytes_reserved=_ROOM.get(key),
        appearance_text_params={
            "signer": unicodedata.normalize("NFC", signer.subject_name or ""),
            "reason": unicodedata.normalize("NFC", signature.reason),
            "when": f"{dt.datetime.now(ZoneInfo(signature.timezone)):%H:%M:%S %d/%m/%Y}",
        },
    )
    signed = out.getvalue()
    if key and key not in _ROOM:
        _ROOM[key] = _room_taken(signed)
    return signed


def load_certificates(pem_bytes: bytes) -> list[asn1_x509.Certificate]:
    return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(pem_bytes, multiple=True)]


def load_certificate_file(path: Path) -> list[asn1_x509.Certificate]:
    return load_certificates(path.read_bytes())


async def verify(
    pdf: bytes, trust_roots: list[asn1_x509.Certificate], *, review_changes: bool = True
) -> list[Verdict]:
    """Every signature of the PDF, judged against the trusted roots. `review_changes=False`
    skips judging what each later revision changed (half of the work): for a document this
    process has just signed, whose revisions it wrote itself."""
    reader = PdfFileReader(io.BytesIO(pdf))
    verdicts = []
    for embedded in reader.embedded_signatures:
        status = await async_validate_pdf_signature(
            embedded,
            ValidationContext(trust_roots=trust_roots, allow_fetching=False),
            skip_diff=not review_changes,
        )
        signer = status.signing_cert.subject.native.get("common_name", "")
        verdicts.append(
            Verdict(
                signer=str(signer),
                signed_at=status.signer_reported_dt,
                intact=bool(status.intact),
                trusted=bool(status.trusted),
                valid_at_signing=bool(status.valid),
                covers_whole_document=status.coverage is not None
                and status.coverage.name == "ENTIRE_FILE",
            )
        )
    return verdicts
