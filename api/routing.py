"""Routers whose routes tell the metrics middleware their path template; what the pages and
the JSON routes share at the HTTP edge (a path parameter, the PDF answer)."""

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.routing import APIRoute

from services.forms import FormPdf

ROUTE_KEY = "motcua.route"
# Ids are PostgreSQL bigints: a larger number names nothing and must not reach the driver.
NotificationId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class TemplatedRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()
        template = self.path_format

        async def handler(request: Request) -> Response:
            # The scope is shared with the outer middleware, which reads this after the call.
            request.scope[ROUTE_KEY] = template
            return await handle(request)

        return handler


def api_router(**kwargs: Any) -> APIRouter:
    return APIRouter(route_class=TemplatedRoute, **kwargs)


def pdf_response(pdf: FormPdf) -> Response:
    return Response(
        pdf.content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{pdf.filename}"'},
    )
