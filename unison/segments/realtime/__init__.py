"""Live evaluation: the active-segment catalog and its index of what can change what, the
Python evaluator, evaluation rounds, the segments log processor and the timers."""
