"""Exceptions for user mistakes. The CLI turns these into one line on stderr and a non-zero exit."""


class UgatitDeployError(Exception):
    """Base class: a problem with the user's input, reported without a traceback."""


class CheckpointError(UgatitDeployError, ValueError):
    """A checkpoint file that cannot be read or does not hold a U-GAT-IT generator."""


class UnavailableError(UgatitDeployError):
    """A required package or device is missing here (exit code 2, as for a usage problem)."""

    exit_code = 2


class ExportError(UgatitDeployError):
    """A model that cannot be exported, converted or validated as asked."""
