"""Computed traits the segments domain keeps current: aggregates defined in the segment
language, and RFM scores."""
