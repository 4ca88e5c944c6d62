"""Deterministic demo data: a multichannel customer history as Segment-spec events.

``generator`` is the public entry point (``generate_events``, ``write_jsonl``).  The rest are
its parts: reference data (``markets``, ``texts``, ``catalogue``), who a customer is
(``customer``), what they do (``story`` runs ``shopping``, ``devices`` and ``channels`` on a
``timeline``) and small helpers (``clock``, ``draw``).
"""
