"""The rating form, as the tracking page and the counter's kiosk post it: the four official
criteria, a comment, and any complaint."""

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Form

from api.errors import validated_body
from schemas.citizen import CRITERIA, CRITERIA_NAMES, SCORE_NAMES, FeedbackSubmission


@dataclass(frozen=True)
class RatingForm:
    scores: dict[str, str]
    comment: str
    complaint: str

    def validated(self) -> FeedbackSubmission:
        return validated_body(
            FeedbackSubmission,
            {
                **{name: value or None for name, value in self.scores.items()},
                "comment": self.comment or None,
                "complaint": self.complaint or None,
            },
        )


async def rating_form(
    publicity: Annotated[str, Form()] = "",
    attitude: Annotated[str, Form()] = "",
    timeliness: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    complaint: Annotated[str, Form()] = "",
) -> RatingForm:
    scores = dict(zip(CRITERIA, (publicity, attitude, timeliness, outcome), strict=True))
    return RatingForm(scores, comment, complaint)


def rating_context() -> dict[str, Any]:
    """What the rating form's template shows: each criterion with its five answers."""
    return {
        "criteria": [(name, CRITERIA_NAMES[name]) for name in CRITERIA],
        "scores": sorted(SCORE_NAMES.items(), reverse=True),
    }
