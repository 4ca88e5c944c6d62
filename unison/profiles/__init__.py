"""Profiles: traits with provenance, stats, the 360 view and the timeline."""
