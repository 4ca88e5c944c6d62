"""Collection: the canonical event schema, validation, ingestion, dedupe and import."""
