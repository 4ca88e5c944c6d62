"""Profile search: the index kept by the profile processor, and the ranked query."""
