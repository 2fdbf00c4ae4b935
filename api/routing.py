"""Routers whose routes tell the metrics middleware their path template."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

ROUTE_KEY = "motcua.route"


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
