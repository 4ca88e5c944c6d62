"""The consent ledger: the hash chain, which record is in force, the decision point, the
suppression list, the log processor that records what events say, and how a change is
announced (the `consent.changed` event and webhooks)."""
