"""The sandbox ASGI app: every provider emulator, the /_sandbox control routes, faults and logging."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import calledin, control, ringcentral, ringez, ringostat
from .faults import FaultBook, SandboxMiddleware
from .state import SandboxState


class SandboxApp(SandboxMiddleware):
    """The ASGI callable; ``.state`` exposes the sandbox internals to in-process tests."""

    def __init__(self, app: Any, state: SandboxState, faults: FaultBook) -> None:
        super().__init__(app, state, faults)
        self.sandbox = state


def create_app(*, speed: float = 1.0, public: bool = False, echo_otp: bool = True,
               access_token_ttl: int | None = None) -> SandboxApp:
    state = SandboxState(speed=speed, public=public, echo_otp=echo_otp)
    state.default_settings.access_token_ttl = access_token_ttl
    state.settings.access_token_ttl = access_token_ttl
    faults = FaultBook()
    routes: list[Route] = []
    for module in (ringez, ringcentral, calledin, ringostat):
        provider_routes, provider_state = module.routes(state)
        routes.extend(provider_routes)
        state.resetters.append(provider_state)
    routes.extend(control.routes(state, faults))

    async def index(request: Request) -> Response:
        return JSONResponse({"sandbox": "dialer provider sandbox", "providers": {
            "ringez": "/api/v1/", "ringcentral": "/restapi/", "calledin": "/api/clicktocall/",
            "ringostat": ["/callback/outward_call", "/a/v2"]}, "control": "/_sandbox/"})

    routes.append(Route("/", index, methods=["GET"]))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await state.telephony.shutdown()

    starlette_app = Starlette(routes=routes, lifespan=lifespan)
    return SandboxApp(starlette_app, state, faults)
