"""The command line's two kinds of failure, each with its exit code."""

from __future__ import annotations


class InputError(ValueError):
    """Bad input or usage (a missing file, malformed lines): exit code 2."""


class OperationError(RuntimeError):
    """The operation failed (a service answered an error or could not be reached): exit 1."""
