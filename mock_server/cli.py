"""The `bland-sms-mock` command line."""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from mock_server import __version__

LAZY_COMMANDS: dict[str, str] = {
    "check": "contracts.kit_cli:check",
    "replay": "contracts.scenarios.cli:replay",
    "record": "contracts.scenarios.cli:record",
}
"""Commands that live beside the modules they drive, imported only when called."""


class LazyGroup(click.Group):
    """A click group that loads the commands of `LAZY_COMMANDS` on first use (fast start for `serve`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        lazy = [name for name, target in LAZY_COMMANDS.items() if _module_exists(target.split(":")[0])]
        return sorted([*super().list_commands(ctx), *lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        target = LAZY_COMMANDS.get(cmd_name)
        if command is not None or target is None or not _module_exists(target.split(":")[0]):
            return command
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bland-sms-mock")
def main() -> None:
    """A stateful mock of the Bland SMS conversations API, and a kit to check any implementation."""


@main.command()
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
def serve(
    host: str,
    port: int,
    config_path: str | None,
    no_control: bool,
    seeds: tuple[str, ...],
    server_name: str,
    threads: int | None,
) -> None:
    """Run the mock server until Ctrl-C."""
    from mock_server.config import ConfigError, load_config
    from mock_server.serving import free_port, make_server, serve_forever, serve_with_granian, wait_until_listening

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    # Under granian the app is built in its worker process; build it here only to serve it (waitress) or to
    # check the seed files before the worker loads them again, so a bad seed is a clear usage error.
    app = _seeded_app(config, not no_control, seeds) if server_name == "waitress" or seeds else None
    if server_name == "waitress":
        try:
            server = make_server(app, host, port, threads or 8)
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        port = server.effective_port
    elif port == 0:
        port = free_port(host)
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
        lines.append(f"  Control API:  {url}/_mock/health")
        lines.append(f"  Inspector:    {url}/_mock/ui/")
    lines += [
        f"  Try:          curl -H 'authorization: {first.api_key}' {url}/v1/sms/conversations",
        "Press Ctrl-C to stop.",
    ]
    banner = "\n".join(lines)

    def announce() -> None:
        click.echo(banner)
        sys.stdout.flush()

    if server_name == "waitress":
        announce()
        serve_forever(server, on_stop=lambda: click.echo("bland-sms-mock stopped."))
        return
    wait_until_listening(host, port, announce)
    spec = {"config": config_path, "control": not no_control, "seeds": list(seeds)}
    serve_with_granian(spec, host, port, threads or 1)
    click.echo("bland-sms-mock stopped.")


def _seeded_app(config: object, control: bool, seeds: tuple[str, ...]) -> object:
    """Build the app and load the seed files into it.

    Raises:
        click.UsageError: a seed file is unreadable or inconsistent.
    """
    from mock_server.app import create_app
    from mock_server.errors import ApiError
    from mock_server.snapshot import parse_snapshot, read_document, seed
    from mock_server.web import EXTENSION

    app = create_app(config, control=control)
    for path in seeds:
        try:
            count = seed(app.extensions[EXTENSION], parse_snapshot(read_document(path)))
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        except ApiError as exc:
            raise click.UsageError(f"{path}: " + "; ".join(message for _, message in exc.problems)) from None
        click.echo(f"Seeded {count} conversations from {path}")
    return app


def _describe(sms_config: object) -> str:
    settings = {k: v for k, v in vars(sms_config).items() if v is not None and not k.endswith("message")}
    return "(" + ", ".join(f"{k} {v}s" for k, v in settings.items()) + ")" if settings else "(no sms_config)"


@main.command()
def openapi() -> None:
    """Print the OpenAPI document of the two endpoints (YAML)."""
    from contracts.openapi import render_yaml

    click.echo(render_yaml(), nl=False)


if __name__ == "__main__":
    main()
