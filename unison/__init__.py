"""Unison: an open-source omnichannel customer platform."""

__version__ = "0.1.0"
