"""Segments: the definition language, full (SQL) and real-time (Python) evaluation, timers,
computed traits and RFM."""
