"""Data-subject requests: access/portability (export) and erasure, over a registry of
per-domain exporters and erasers that other domains extend."""
