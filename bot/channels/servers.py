"""The Rasa server and the action server, started in this process from the settings.

Secrets stay off the command line (``ps`` shows ``python -m bot rasa-server``): the Rasa API token
goes to Rasa's argument parser inside the process, and the action token comes from the environment.
The action server listens on ``SYB_ACTIONS_HOST`` (loopback by default) and answers only requests
that carry the shared token Rasa sends (endpoints.yml ``headers``); its errors never echo the
request (the tracker).
"""
from __future__ import annotations

import hmac
import logging
import sys
from bot.config import REPO_ROOT, Settings
from bot.serve import latest_model

ACTION_TOKEN_HEADER = "X-SYB-Token"
OPEN_PATHS = frozenset({"/health"})


def rasa_arguments(settings: Settings) -> list[str]:
    """``rasa run``'s arguments. Values go with ``=``: a token may begin with ``-``, which argparse
    would otherwise read as an option."""
    return ["run", f"--interface={settings.rasa_host}", f"--port={settings.rasa_port}",
            f"--model={latest_model(settings)}", f"--endpoints={REPO_ROOT / 'endpoints.yml'}",
            f"--credentials={REPO_ROOT / 'credentials.yml'}",
            "--enable-api", f"--auth-token={settings.rasa_api_token}"]


def run_rasa(settings: Settings) -> None:
    """``rasa run`` with the WeChat and REST channels and the token-protected HTTP API."""
    from rasa.__main__ import main

    sys.argv = ["rasa", *rasa_arguments(settings)]
    main()


def action_app(settings: Settings, package: str = "actions"):  # type: ignore[no-untyped-def]
    """rasa_sdk's app for ``package`` that refuses callers without the shared token."""
    from rasa_sdk.endpoint import create_app
    from sanic import response
    from sanic.request import Request

    app = create_app(package, cors_origins=None)
    expected = settings.actions_token.encode()
    log = logging.getLogger("bot.actions.server")

    @app.middleware("request")
    async def authenticate(request: Request):  # type: ignore[no-untyped-def]
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get(ACTION_TOKEN_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("refused an action call without the shared token from %s", request.ip)
            return response.json({"error": "unauthorized"}, status=401)
        return None

    @app.exception(Exception)
    async def failed(request: Request, exception: Exception):  # type: ignore[no-untyped-def]
        log.error("action call failed: %s", type(exception).__name__, exc_info=exception)
        return response.json({"error": "action failed"}, status=500)

    return app


def run_actions(settings: Settings) -> None:
    """Serve the actions on SYB_ACTIONS_HOST:SYB_ACTIONS_PORT until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sys.path.insert(0, str(REPO_ROOT))
    logging.getLogger(__name__).info("action server on %s:%d", settings.actions_host, settings.actions_port)
    action_app(settings).run(host=settings.actions_host, port=settings.actions_port, workers=1,
                             access_log=False, motd=False)
