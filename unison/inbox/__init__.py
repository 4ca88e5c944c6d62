"""Conversations: inbound (and, later, outbound) messages grouped per profile and channel
thread, projected from the event log for the operator inbox."""
