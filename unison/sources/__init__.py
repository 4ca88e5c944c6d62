"""Sources: the systems that send events, each with a hashed write key and a default channel."""
