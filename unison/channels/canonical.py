"""The canonical event names every channel parser emits (README "Channel connectors").

Kept apart from the parsing toolkit in base.py: they are the vocabulary the later stages
react to, and parsers name them as `canonical.MESSAGE_RECEIVED`.
"""

# The consent processor reacts to MESSAGE_RECEIVED (stop keywords) and UNSUBSCRIBED, the
# inbox to the message-like ones.
MESSAGE_RECEIVED = "Message Received"
MESSAGE_EDITED = "Message Edited"
MESSAGE_SENT = "Message Sent"
MESSAGE_DELIVERED = "Message Delivered"
MESSAGE_READ = "Message Read"
MESSAGE_FAILED = "Message Failed"
CONTACT_SHARED = "Contact Shared"
CONVERSATION_STARTED = "Conversation Started"
BUTTON_CLICKED = "Button Clicked"
SUBSCRIBED = "Subscribed"
UNSUBSCRIBED = "Unsubscribed"
