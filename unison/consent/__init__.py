"""Consent and preferences: the ledger, the decision point, the preference center, privacy."""
