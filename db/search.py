"""What the counter's search compares: names folded the same way when stored and when
asked for."""

import unicodedata

from schemas.dossier import Applicant


def fold(text: str) -> str:
    """Vietnamese without its marks, lower case, single-spaced: "Nguyễn Văn Ân" and
    "nguyen van an" fold alike. Đ is a letter of its own, not D with a mark, so it is mapped
    by hand."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def search_text(applicant: Applicant) -> str:
    """Every name the counter may look this dossier up by: the applicant's, the
    organisation's, the representative's."""
    names = [applicant.full_name, applicant.organisation_name]
    if applicant.representative is not None:
        names.append(applicant.representative.full_name)
    return fold(" | ".join(n for n in names if n))
