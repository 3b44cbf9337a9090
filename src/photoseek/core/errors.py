"""Typed errors raised by the core. Only the CLI and GUI turn them into messages or exit codes."""

from __future__ import annotations


class PhotoSeekError(Exception):
    """Base of every error the core raises on purpose.

    Attributes:
        hint: what the user can do about it, shown under the message.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:  # the message alone; front ends show the hint separately
        return self.args[0] if self.args else self.__class__.__name__


class ConfigError(PhotoSeekError):
    """Settings file unreadable or invalid."""


class ModelError(PhotoSeekError):
    """A model could not be loaded or run."""


class ModelPackError(ModelError):
    """A model pack is incomplete, corrupt or inconsistent."""


class CatalogError(PhotoSeekError):
    """The SQLite catalog could not be opened, migrated or written."""


class DecodeError(PhotoSeekError):
    """A file could not be decoded as an image. ``reason`` is a short user-facing phrase."""

    def __init__(self, message: str, *, reason: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.reason = reason


class FolderError(PhotoSeekError):
    """A library folder is missing, unreadable or invalid."""


class QueryError(PhotoSeekError):
    """A search query could not be understood."""


class Cancelled(PhotoSeekError):
    """The caller asked to stop (progress callback returned False)."""


class DownloadError(ModelError):
    """A model download failed (server error, file refused by verification, disk full). Partial data is kept only
    when it can be resumed."""


class NetworkError(DownloadError):
    """The model server cannot be reached or does not answer. PhotoSeek keeps working with the models it has."""


class DiskFullError(CatalogError):
    """The disk that holds the library has no room left. Nothing saved before is lost."""


class CatalogBusyError(CatalogError):
    """Another process holds the catalog longer than we may wait. The catalog itself is fine."""


class CatalogDamagedError(CatalogError):
    """The catalog file is damaged; ``photoseek repair`` salvages what can be read."""
