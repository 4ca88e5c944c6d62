"""Open pixel and signed click-tracking redirects for email: the links (`links.py`), their
rewriting into a message's HTML, and the endpoints that turn a hit into an `Opened` /
`Clicked` receipt on the message (`endpoints.py`)."""
