"""The `bland-sms-mock` command line: one group, each command loaded from its room when called."""

from __future__ import annotations

import importlib

import click

from bland_sms_mock.version import __version__

COMMANDS: dict[str, str] = {
    "serve": "bland_sms_mock.mock_server.serve_cli:serve",
    "check": "bland_sms_mock.contracts.kit.cli:check",
    "replay": "bland_sms_mock.replay_command:replay",
    "record": "bland_sms_mock.contracts.scenarios.cli:record",
    "openapi": "bland_sms_mock.contracts.openapi:openapi_command",
}
"""Each command and where it lives; a command's module is imported only when it runs (fast `serve` start)."""


class LazyGroup(click.Group):
    """A click group whose commands are the entries of `COMMANDS`, imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bland-sms-mock")
def main() -> None:
    """A stateful mock of the Bland SMS API, and a kit to check any implementation."""


if __name__ == "__main__":
    main()
