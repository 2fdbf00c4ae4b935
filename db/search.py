"""What the counter's search compares: names folded the same way when stored and when
asked for."""

import unicodedata

from schemas.dossier import Applicant


def without_marks(text: str) -> str:
    """Vietnamese without its marks, case kept: "Hồ sơ" → "Ho so". Đ is a letter of its
    own, not D with a mark, so it is mapped by hand."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def fold(text: str) -> str:
    """Vietnamese without its marks, lower case, single-spaced: "Nguyễn Văn Ân" and
    "nguyen van an" fold alike."""
    return " ".join(without_marks(text).lower().split())


def search_text(applicant: Applicant) -> str:
    """Every name the counter may look this dossier up by: the applicant's, the
    organisation's, the representative's."""
    names = [applicant.full_name, applicant.organisation_name]
    if applicant.representative is not None:
        names.append(applicant.representative.full_name)
    return fold(" | ".join(n for n in names if n))
