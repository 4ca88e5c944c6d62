"""Outbound adapters for the messengers' bot APIs: each turns an outbox envelope into the
provider's documented request and its documented answers into sent / retry / give up."""
