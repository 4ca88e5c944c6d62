"""Who may call /api/*: bearer tokens (stored hashed) and the permissions of their roles."""
