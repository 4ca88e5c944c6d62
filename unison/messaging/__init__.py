"""Outbound messaging (decide): templates, the send gate, channel choice, broadcasts and
receipts. It writes into the outbox (`unison.outbox`) and reads consent, profiles and
segments through their services."""
