"""Broadcasts (issue 17 item 7): a template, or A/B/n variants, to a segment — now, at a
moment, at the same local time in each customer's zone or at each one's learned best hour —
fanned out in small committed chunks through the one send pipeline."""
