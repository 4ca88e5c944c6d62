"""The console's messaging pages (issue 17 item 8): templates with a live preview, broadcasts
with live counts, and a customer's messages with the gate's reasons."""
