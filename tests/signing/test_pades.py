"""PAdES signing on a real PKCS#11 token (SoftHSM2) with pyHanko, and verification against
the demo CA: what a bank clerk checking a result relies on."""

import datetime as dt
import unicodedata
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, pkcs12
from cryptography.x509.oid import NameOID
from fontTools.ttLib import TTFont
from weasyprint import HTML

from signing.demo import SOFTHSM_LIBRARY, demo_ca, key_usage
from signing.pades import (
    KeyFile,
    Signature,
    SigningRefused,
    TokenAccess,
    sign,
    stamp_font,
    verify,
)
from tests.conftest import Tokens

DECISION = (
    "<p>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</p>"
    "<h1>QUYẾT ĐỊNH số 15/QĐ-UBND</h1><p>Cấp Phiếu lý lịch tư pháp cho bà Hoàng Thị Mai</p>"
)
SIGNATURE = Signature("lanh-dao", "Phê duyệt kết quả giải quyết", "Đắk Lắk")


def _token(label: str = "motcua-demo", pin: str = "123456") -> TokenAccess:
    return TokenAccess(SOFTHSM_LIBRARY, label, pin)


@pytest.fixture(scope="session")
def decision() -> bytes:
    pdf: bytes = HTML(string=DECISION).write_pdf()
    return pdf


async def test_a_signed_decision_verifies_against_the_demo_ca(
    tokens: Tokens, decision: bytes
) -> None:
    signed = await sign(decision, _token(), SIGNATURE, tokens.ca)

    (verdict,) = await verify(signed, tokens.ca)
    assert verdict.good
    assert verdict.signer == "Lãnh đạo đơn vị (DEMO)"
    assert verdict.covers_whole_document
    assert verdict.signed_at is not None
    assert signed.startswith(decision)  # an incremental update: the original bytes remain


async def test_a_tampered_copy_fails_verification(tokens: Tokens, decision: bytes) -> None:
    signed = bytearray(await sign(decision, _token(), SIGNATURE, tokens.ca))
    # One bit of the decision's own text, inside the signed byte range.
    signed[len(decision) // 2] ^= 0x01

    (verdict,) = await verify(bytes(signed), tokens.ca)

    assert not verdict.intact
    assert not verdict.good


async def test_a_signature_from_an_untrusted_ca_is_not_trusted(
    tokens: Tokens, decision: bytes, tmp_path: Path
) -> None:
    signed = await sign(decision, _token(), SIGNATURE, tokens.ca)
    _, stranger = demo_ca(tmp_path)
    (verdict,) = await verify(
        signed, [asn1_x509.Certificate.load(stranger.public_bytes(Encoding.DER))]
    )

    assert verdict.intact
    assert not verdict.trusted
    assert not verdict.good


async def test_an_expired_certificate_refuses_to_sign_saying_why(
    tokens: Tokens, decision: bytes
) -> None:
    with pytest.raises(SigningRefused) as refused:
        await sign(decision, _token("motcua-expired"), SIGNATURE, tokens.ca)

    assert refused.value.reason == "certificate_expired"
    assert "hết hạn" in refused.value.message_vi


async def test_a_wrong_pin_refuses_to_sign(tokens: Tokens, decision: bytes) -> None:
    with pytest.raises(SigningRefused) as refused:
        await sign(decision, _token(pin="000000"), SIGNATURE, tokens.ca)

    assert refused.value.reason == "token_unavailable"
    assert "PIN" in refused.value.message_vi


def _key_file(tokens: Tokens, folder: Path, passphrase: bytes) -> Path:
    """A leader's key and certificate under the demo CA, in a PKCS#12 file."""
    ca_key, ca_cert = demo_ca(tokens.folder)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Phó Chủ tịch (DEMO, tệp)")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(key_usage(issues_certificates=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    path = folder / "lanh-dao.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"leader", key, cert, [ca_cert], BestAvailableEncryption(passphrase)
        )
    )
    return path


async def test_a_key_in_a_pkcs12_file_signs_too(
    tokens: Tokens, decision: bytes, tmp_path: Path
) -> None:
    path = _key_file(tokens, tmp_path, b"mat-khau")

    signed = await sign(decision, KeyFile(path, "mat-khau"), SIGNATURE, tokens.ca)

    (verdict,) = await verify(signed, tokens.ca)
    assert verdict.good
    assert verdict.signer == "Phó Chủ tịch (DEMO, tệp)"
    with pytest.raises(SigningRefused) as refused:
        await sign(decision, KeyFile(path, "sai-mat-khau"), SIGNATURE, tokens.ca)
    assert refused.value.reason == "key_file_unreadable"


# Every letter of the Vietnamese alphabet in each of its six tones, capital and small.
VIETNAMESE = (
    "".join(
        unicodedata.normalize("NFC", base + tone)
        for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
        for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
    )
    + "đĐ"
)


def test_the_stamp_font_writes_every_vietnamese_letter() -> None:
    cmap = TTFont(stamp_font()).getBestCmap()

    missing = [c for c in VIETNAMESE + "–“”" if ord(c) not in cmap]

    assert len(VIETNAMESE) == 24 * 6 + 2
    assert not missing
    assert cmap[ord("A")] != ".notdef"
