"""Channels: connectors (one module per channel turns the provider's wire format into
canonical Segment-shaped events; `hooks.py` receives, verifies and stores them) and the
outbound adapters that send through them (`smtp.py`, `outbound/`)."""
