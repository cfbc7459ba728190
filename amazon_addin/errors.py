"""Errors that end a command with one French sentence and a stable exit code (SPEC §6)."""


class AddinError(Exception):
    """Base: `message` is the French sentence shown to the user; `exit_code` the process status."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ReadError(AddinError):
    """The file cannot be read as an Amazon order report (exit 2)."""

    exit_code = 2


class SettingsError(AddinError):
    """A bad setting or an unreachable database (exit 3)."""

    exit_code = 3
