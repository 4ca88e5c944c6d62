"""Log processors: the runner that feeds them the event log, and the processors themselves."""
