"""Channel connectors: one module per channel turns the provider's wire format into
canonical (Segment-shaped) events; `hooks.py` receives, verifies and stores them."""
