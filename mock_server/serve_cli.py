"""`bland-sms-mock serve`: run the mock until a stop signal."""

from __future__ import annotations

import sys
from typing import Any

import click

from bland_sms_mock.version import __version__

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
"""Hosts where an open control API is not worth a warning."""


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=4010, show_default=True, type=click.IntRange(0, 65535), help="Port (0: a free one).")
@click.option(
    "--config", "config_path", type=click.Path(exists=True, dir_okay=False), help="Accounts file (YAML or JSON)."
)
@click.option("--no-control", is_flag=True, help="Leave out the /_mock control API.")
@click.option(
    "--seed",
    "seeds",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Seed file (YAML or JSON) of accounts and conversations to load at start; repeatable.",
)
@click.option(
    "--server",
    "server_name",
    type=click.Choice(["granian", "waitress"]),
    default="granian",
    show_default=True,
    help="WSGI server: granian (fastest) or waitress (pure Python).",
)
@click.option("--threads", type=click.IntRange(1, 64), help="Request threads (default: 1 for granian, 8 for waitress).")
@click.option(
    "--control-token",
    envvar="BLAND_SMS_MOCK_CONTROL_TOKEN",
    help="Require `authorization: Bearer TOKEN` on /_mock/* (env BLAND_SMS_MOCK_CONTROL_TOKEN).",
)
@click.option(
    "--snapshot",
    "snapshot_path",
    type=click.Path(dir_okay=False),
    help="Snapshot file (JSON) to restore at start, when it exists.",
)
@click.option("--save-on-exit", is_flag=True, help="Write the state to the --snapshot file when the server stops.")
@click.option(
    "--autosave",
    type=click.FloatRange(0.05, 3600),
    metavar="SECONDS",
    help="Write the state to the --snapshot file in the background within SECONDS of each change "
    "(a crash loses at most that much), and when the server stops.",
)
@click.option(
    "--webhooks-any-host",
    is_flag=True,
    help="Deliver webhooks to any host; by default only to loopback hosts (127.0.0.0/8, ::1, localhost).",
)
def serve(**options: Any) -> None:
    """Run the mock server until Ctrl-C (SIGINT) or SIGTERM; both stop it with status 0."""
    from bland_sms_mock.mock_server import stopping

    _serve(stopping.install(), **options)


def _serve(
    stop: Any,
    *,
    host: str,
    port: int,
    config_path: str | None,
    no_control: bool,
    seeds: tuple[str, ...],
    server_name: str,
    threads: int | None,
    control_token: str | None,
    snapshot_path: str | None,
    save_on_exit: bool,
    autosave: float | None,
    webhooks_any_host: bool = False,
) -> None:
    from bland_sms_mock.mock_server.autosave import Autosaver
    from bland_sms_mock.mock_server.config import ConfigError, load_config
    from bland_sms_mock.mock_server.request_io import EXTENSION
    from bland_sms_mock.mock_server.serving import (
        ServerFailed,
        build_app,
        free_port,
        make_server,
        serve_forever,
        serve_with_granian,
        wait_until_listening,
    )
    from bland_sms_mock.mock_server.stopping import STOP_LINE

    for flag, given in (("--save-on-exit", save_on_exit), ("--autosave", autosave is not None)):
        if given and not snapshot_path:
            raise click.UsageError(f"{flag} needs --snapshot FILE")
    spec = {
        "config": config_path,
        "control": not no_control,
        "token": control_token,
        "seeds": list(seeds),
        "snapshot": snapshot_path,
        "webhooks_any_host": webhooks_any_host,
    }
    with stop.stop_at_once():
        try:
            config = load_config(config_path)
            app = build_app(spec, click.echo, config)
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from None
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    if host not in LOOPBACK_HOSTS and not no_control and not control_token:
        click.echo(
            f"Warning: bound to {host} with the control API open to anyone who can reach it; "
            "pass --control-token TOKEN (or --no-control).",
            err=True,
        )
    try:
        if server_name == "waitress":
            server = make_server(app, host, port, threads or 8)
            port = server.effective_port
        else:
            port = free_port(host, port)  # granian's SO_REUSEPORT would share a taken port silently
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}"
    first = config.accounts[0]
    lines = [
        f"bland-sms-mock {__version__} listening on {url}",
        f"  API key:      {first.api_key}",
        *(f"  Agent number: {n.number}  {_describe(n.sms_config)}" for n in first.agent_numbers),
    ]
    if len(config.accounts) > 1:
        lines.append(f"  (+{len(config.accounts) - 1} more accounts from {config_path})")
    if not no_control:
        guarded = " (needs authorization: Bearer <control token>)" if control_token else ""
        lines.append(f"  Control API:  {url}/_mock/health{guarded}")
        lines.append(f"  Inspector:    {url}/_mock/ui/")
    if autosave is not None:
        lines.append(f"  Autosave:     {snapshot_path} within {autosave:g}s of each change")
    if webhooks_any_host:
        lines.append("  Webhooks:     delivered to any host (--webhooks-any-host)")
    else:
        lines.append("  Webhooks:     delivered to loopback hosts only (--webhooks-any-host allows others)")
    lines += [
        f"  Try:          curl -H 'authorization: {first.api_key}' {url}/v1/sms/conversations",
        "Press Ctrl-C to stop.",
    ]
    banner = "\n".join(lines)

    def announce() -> None:
        click.echo(banner)
        sys.stdout.flush()

    saves = snapshot_path is not None and (save_on_exit or autosave is not None)
    saver = Autosaver(app.extensions[EXTENSION], snapshot_path, autosave, warn=_warn) if saves else None
    if saver and autosave is not None:
        saver.start()
    try:
        if server_name == "waitress":
            serve_forever(server, on_ready=announce, stop=stop)
        else:
            wait_until_listening(host, port, announce)
            serve_with_granian(app, host, port, threads or 1, stop)
    except ServerFailed as exc:
        saved = saver.stop(save=True) if saver else False
        raise click.ClickException(f"{exc}" + (f"; saved the state to {snapshot_path}" if saved else "")) from None
    saved = saver.stop(save=True) if saver else False
    app.extensions[EXTENSION].webhooks.shutdown(timeout=0.5)  # an attempt still in flight dies with the process
    click.echo(f"{STOP_LINE[:-1]}; saved the state to {snapshot_path}." if saved else STOP_LINE)


def _warn(message: str) -> None:
    click.echo(f"Warning: {message}", err=True)


def _describe(sms_config: object) -> str:
    settings = {k: v for k, v in vars(sms_config).items() if v is not None and not k.endswith("message")}
    return "(" + ", ".join(f"{k} {v}s" for k, v in settings.items()) + ")" if settings else "(no sms_config)"
