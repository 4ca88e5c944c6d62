"""The web console (issue 16): pages over every domain's services, one window for staff."""
