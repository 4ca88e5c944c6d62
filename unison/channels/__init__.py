"""One module per channel: inbound parsing of the provider's wire format and the outbound
adapter that sends through it."""
