"""The counter's kiosk: the clerk opens the rating form for the citizen in front of her,
on a tablet turned towards them; it is recorded as the citizen's rating, given at the
counter, once per dossier."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ResourcesDep, SessionDep
from api.rating import RatingForm, rating_context, rating_form
from api.web import PAGE_ERRORS, PageUser, messages_for, render
from schemas.lifecycle import Role
from services import dossiers, tracking
from services.errors import Forbidden

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


def _counter_only(user: PageUser) -> None:
    if user.role is not Role.CLERK:
        raise Forbidden(
            "Chỉ cán bộ một cửa mở màn hình đánh giá cho công dân.",
            "Only counter clerks open the rating screen for a citizen.",
        )


@router.get("/can-bo/ho-so/{code}/danh-gia")
async def kiosk(request: Request, code: str, session: SessionDep, user: PageUser) -> Response:
    _counter_only(user)
    row = await dossiers.load(session, code, user)
    return render(request, "kiosk.html", kiosk=True, code=row.code, done=False, **rating_context())


@router.post("/can-bo/ho-so/{code}/danh-gia")
async def kiosk_rating(
    request: Request,
    code: str,
    session: SessionDep,
    resources: ResourcesDep,
    user: PageUser,
    rating: Annotated[RatingForm, Depends(rating_form)],
) -> Response:
    _counter_only(user)
    row = await dossiers.load(session, code, user)
    try:
        tracked = await tracking.tracked(session, row.code)
        await tracking.feedback(
            session, resources.settings, tracked, rating.validated(), via="kiosk"
        )
    except PAGE_ERRORS as exc:
        return render(
            request,
            "kiosk.html",
            status_code=getattr(exc, "status_code", 422),
            kiosk=True,
            code=row.code,
            done=False,
            errors=messages_for(request, exc),
            **rating_context(),
        )
    return render(request, "kiosk.html", kiosk=True, code=row.code, done=True)
