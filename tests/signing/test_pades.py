"""PAdES signing on a real PKCS#11 token (SoftHSM2) with pyHanko, and verification against
the demo CA: what a bank clerk checking a result relies on."""

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from weasyprint import HTML

from signing.demo import SOFTHSM_LIBRARY, demo_ca
from signing.pades import Signature, SigningRefused, TokenAccess, load_certificates, sign, verify

DECISION = (
    "<p>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</p>"
    "<h1>QUYẾT ĐỊNH số 15/QĐ-UBND</h1><p>Cấp Phiếu lý lịch tư pháp cho bà Hoàng Thị Mai</p>"
)
SIGNATURE = Signature("lanh-dao", "Phê duyệt kết quả giải quyết", "Đắk Lắk")


@dataclass(frozen=True)
class Tokens:
    folder: Path
    ca: list[asn1_x509.Certificate]


@pytest.fixture(scope="session")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tokens]:
    """A good token and one whose certificate has expired, provisioned by processes of their
    own before this one loads the PKCS#11 library (which sees only the tokens of then)."""
    folder = tmp_path_factory.mktemp("hsm")
    for label, *expired in (["motcua-demo"], ["motcua-expired", "expired"]):
        subprocess.run(
            [sys.executable, "-m", "signing.demo", str(folder), label, *expired], check=True
        )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(folder / "softhsm2.conf")
    yield Tokens(folder, load_certificates((folder / "demo-ca.pem").read_bytes()))
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


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
    assert verdict.signer == "Lãnh đạo (DEMO)"
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
