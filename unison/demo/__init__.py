"""Deterministic demo data: a multichannel customer history as Segment-spec events."""
