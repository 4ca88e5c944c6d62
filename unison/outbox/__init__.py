"""The transactional outbox: one table for everything Unison sends, on every channel, and the
delivery round that drains it through the plugged channels' adapters (docs/design/outbox.md)."""
