"""The signing the settings describe: which token, which keys, which roots; and the demo
token `make run` provisions when none is configured."""

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from asn1crypto import x509 as asn1_x509

from motcua.settings import Settings
from signing.demo import SOFTHSM_LIBRARY
from signing.pades import KeyFile, TokenAccess, load_certificate_file
from signing.seals import Signing

log = logging.getLogger(__name__)
DEMO_PIN = "123456"


def signing(settings: Settings) -> Signing | None:
    """None when no key is configured: nothing can be signed, and approving says so."""
    roots = trust_roots(settings)
    if settings.signing_pkcs11_library:
        return Signing(
            TokenAccess(
                settings.signing_pkcs11_library,
                settings.signing_token_label,
                settings.signing_pin,
                settings.signing_leader_key,
            ),
            TokenAccess(
                settings.signing_pkcs11_library,
                settings.signing_token_label,
                settings.signing_pin,
                settings.signing_seal_key,
            ),
            roots,
        )
    if settings.signing_pkcs12_leader and settings.signing_pkcs12_seal:
        return Signing(
            KeyFile(Path(settings.signing_pkcs12_leader), settings.signing_pin),
            KeyFile(Path(settings.signing_pkcs12_seal), settings.signing_pin),
            roots,
        )
    return None


def trust_roots(settings: Settings) -> list[asn1_x509.Certificate]:
    if not settings.signing_trust_roots:
        return []
    return load_certificate_file(Path(settings.signing_trust_roots))


def demo_token(settings: Settings) -> dict[str, str]:
    """The demo token under {data_dir}/signing, provisioned on the first run (by a process
    of its own: a process sees only the tokens there were when it loaded the library), and
    the environment that points the worker and the API at it. Empty when SoftHSM2 is not
    installed: the demo then runs without signatures, and approving says why."""
    if shutil.which("softhsm2-util") is None or not Path(SOFTHSM_LIBRARY).exists():
        log.warning("softhsm2 is not installed: the demo cannot sign results")
        return {}
    folder = (settings.data_dir / "signing").resolve()
    if not (folder / "demo-ca.pem").exists():
        log.info("DEMO: provisioning a SoftHSM2 token and a demo CA in %s", folder)
        subprocess.run(
            [sys.executable, "-m", "signing.demo", str(folder), settings.signing_token_label],
            check=True,
        )
    return {
        "SOFTHSM2_CONF": str(folder / "softhsm2.conf"),
        "MOTCUA_SIGNING_PKCS11_LIBRARY": SOFTHSM_LIBRARY,
        "MOTCUA_SIGNING_PIN": DEMO_PIN,
        "MOTCUA_SIGNING_TRUST_ROOTS": str(folder / "demo-ca.pem"),
    }


def use_demo_token(settings: Settings) -> None:
    """`make run`: the children started after this sign with the demo token."""
    if settings.signing_pkcs11_library:
        return
    os.environ.update(demo_token(settings))
