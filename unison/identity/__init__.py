"""Identity resolution: identifiers, the identity graph, merges, conflicts and splits."""
