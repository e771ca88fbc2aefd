"""Errors of set-up, as opposed to the domain's errors of use."""

from __future__ import annotations


class ConfigurationError(ValueError):
    """A setting is unusable; raised at start-up, never per request."""
