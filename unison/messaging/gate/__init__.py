"""The send gate: every message is judged here before it is queued (`decide.py`) and again
when the outbox is about to send it (`unison/messaging/send_time.py`). Its rules are pure
functions (`rules.py`, `zones.py`) over facts read in one round trip (`facts.py`)."""
