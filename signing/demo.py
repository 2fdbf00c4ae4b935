"""A demo signing token: SoftHSM2 initialised in a folder, an RSA key generated on it, and
a certificate issued by a demo CA. Everything says DEMO: nothing it signs may pass for a
government-recognised signature.

Production plugs a USB token or an HSM in through the same PKCS#11 interface.
"""

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pkcs11
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

SOFTHSM_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"
DEMO_MARK = "DEMO - KHONG CO GIA TRI PHAP LY"
# The two keys of a unit's token: the leader's own signature, and the unit's seal.
LEADER_KEY = "leader"
SEAL_KEY = "seal"


@dataclass(frozen=True)
class DemoToken:
    """Where the token lives and how to open it; the CA certificate verifiers trust."""

    config: Path
    label: str
    pin: str
    ca_pem: bytes

    def environment(self) -> dict[str, str]:
        return {"SOFTHSM2_CONF": str(self.config)}


def _name(common: str, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"{unit} ({DEMO_MARK})"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def key_usage(*, issues_certificates: bool) -> x509.KeyUsage:
    """A CA signs certificates; a signer signs documents, and stands by them (non-repudiation)."""
    return x509.KeyUsage(
        digital_signature=not issues_certificates,
        content_commitment=not issues_certificates,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=issues_certificates,
        crl_sign=issues_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def demo_ca(folder: Path) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """The demo CA, made once per folder and kept there (its key never leaves it)."""
    key_path, cert_path = folder / "demo-ca.key", folder / "demo-ca.pem"
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _name("motcua DEMO CA", "motcua")
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(key_usage(issues_certificates=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(key_path, 0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def provision(
    folder: Path,
    *,
    label: str = "motcua-demo",
    pin: str = "123456",
    signer: str = "Lãnh đạo đơn vị (DEMO)",
    unit: str = "Ủy ban nhân dân (DEMO)",
    valid_from: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
) -> DemoToken:
    """A SoftHSM2 token in `folder` holding two keys with their certificates: the leader's
    (`leader`) and the unit's seal (`seal`), the two signatures a result carries."""
    tokens = folder / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    config = folder / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    environment = {**os.environ, "SOFTHSM2_CONF": str(config)}
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            label,
            "--pin",
            pin,
            "--so-pin",
            pin + "00",
        ],
        check=True,
        env=environment,
        capture_output=True,
    )
    ca_key, ca_cert = demo_ca(folder)
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(config)
    try:
        for number, (key_label, common_name) in enumerate(
            ((LEADER_KEY, signer), (SEAL_KEY, f"{unit} - con dấu")), start=1
        ):
            _key_and_certificate(
                (label, pin),
                (key_label, number.to_bytes(1, "big")),
                _name(common_name, unit),
                (ca_key, ca_cert),
                (valid_from, valid_until),
            )
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous
    return DemoToken(
        config=config,
        label=label,
        pin=pin,
        ca_pem=ca_cert.public_bytes(serialization.Encoding.PEM),
    )


def _key_and_certificate(
    token: tuple[str, str],
    key: tuple[str, bytes],
    subject: x509.Name,
    ca: tuple[rsa.RSAPrivateKey, x509.Certificate],
    validity: tuple[dt.datetime | None, dt.datetime | None],
) -> None:
    (label, pin), (key_label, key_id), (ca_key, ca_cert) = token, key, ca
    valid_from, valid_until = validity
    library = pkcs11.lib(SOFTHSM_LIBRARY)
    with library.get_token(token_label=label).open(user_pin=pin, rw=True) as session:
        public, _ = session.generate_keypair(
            KeyType.RSA, 2048, label=key_label, id=key_id, store=True
        )
        der = asn1_keys.PublicKeyInfo(
            {
                "algorithm": {"algorithm": "rsa"},
                "public_key": asn1_keys.RSAPublicKey(
                    {
                        "modulus": int.from_bytes(public[Attribute.MODULUS], "big"),
                        "public_exponent": int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
                    }
                ),
            }
        ).dump()
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca_cert.subject)
            .public_key(serialization.load_der_public_key(der))  # type: ignore[arg-type]
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from or now - dt.timedelta(days=1))
            .not_valid_after(valid_until or now + dt.timedelta(days=730))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(key_usage(issues_certificates=False), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
                Attribute.SUBJECT: subject.public_bytes(),
                Attribute.LABEL: key_label,
                Attribute.ID: key_id,
                Attribute.TOKEN: True,
            }
        )


def main(argv: list[str]) -> None:
    """`python -m signing.demo FOLDER LABEL [expired]`: provisioned in a process of its own,
    since a process that has loaded the PKCS#11 library sees only the tokens of then."""
    folder, label = Path(argv[0]), argv[1]
    expired = len(argv) > 2 and argv[2] == "expired"
    now = dt.datetime.now(dt.UTC)
    provision(
        folder,
        label=label,
        valid_from=now - dt.timedelta(days=800) if expired else None,
        valid_until=now - dt.timedelta(days=30) if expired else None,
    )


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
