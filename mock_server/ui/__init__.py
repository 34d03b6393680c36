"""The inspector: a page at `/_mock/ui/` to watch and drive the mock, built on the public endpoints."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template

from mock_server import __version__
from mock_server.web import json_response, store

ui = Blueprint("ui", __name__, url_prefix="/_mock/ui", template_folder="templates", static_folder="static")


@ui.get("/")
def index() -> Any:
    """The inspector page; everything it shows it fetches from /v1 and /_mock."""
    return render_template("index.html", version=__version__)


@ui.get("/version")
def state_version() -> Any:
    """A counter that changes whenever the state does (after firing due timers): cheap to poll."""
    current = store()
    current.fire_due()
    return json_response(
        {
            "version": current.version,
            "traffic": current.journal.revision + current.faults.revision,
            "now": current.clock.now_ms(),
            "frozen": current.clock.frozen,
        }
    )


def init_app(app: Flask, capabilities: list[str]) -> None:
    """Register the inspector and announce it in the health capabilities."""
    app.register_blueprint(ui)
    capabilities.append("ui")
