"""A unit's two signatures: the leader's, and the unit's seal over it, from a token (or,
where a unit has none, from PKCS#12 files)."""

from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509

from signing.demo import DEMO_MARK
from signing.pades import KeyFile, Signature, TokenAccess, sign

# Where the two signatures of a result sit on its last page, in the room the templates
# leave below the text: the unit's seal on the left, the leader's signature on the right.
SEAL_BOX = (40, 30, 290, 115)
LEADER_BOX = (305, 30, 555, 115)
# Forms 01–05 keep their text to the page margin: the seal goes in the bottom margin.
FORM_SEAL_BOX = (300, 6, 560, 52)


@dataclass(frozen=True)
class Signing:
    leader: TokenAccess | KeyFile
    seal_key: TokenAccess | KeyFile
    roots: list[asn1_x509.Certificate]

    @property
    def demo(self) -> bool:
        """Signing under the demo CA: what it signs says so on its face."""
        return any(DEMO_MARK in str(root.subject.human_friendly) for root in self.roots)

    async def sign_result(self, pdf: bytes, reason: str, location: str) -> bytes:
        """The leader's signature, then the unit's seal over it: the seal vouches for the
        signed decision, as the red stamp over a signature does on paper."""
        signed = await sign(
            pdf,
            self.leader,
            Signature("lanh-dao-ky", reason, location, LEADER_BOX),
            self.roots,
        )
        return await sign(
            signed,
            self.seal_key,
            Signature("dau-co-quan", "Đóng dấu cơ quan ban hành", location, SEAL_BOX),
            self.roots,
        )

    async def seal(self, pdf: bytes, reason: str, location: str) -> bytes:
        return await sign(
            pdf,
            self.seal_key,
            Signature("dau-co-quan", reason, location, FORM_SEAL_BOX),
            self.roots,
        )
