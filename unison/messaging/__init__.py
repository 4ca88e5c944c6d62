"""Outbound messaging: the transactional outbox (delivery adapters come later)."""
