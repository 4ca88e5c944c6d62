"""The customer-facing side: signed links, the preference center form and pages, preferences,
the language a page speaks, its templates and message catalogs."""
