"""The channel vocabulary every event is labelled with."""

CHANNELS: tuple[str, ...] = (
    "web",
    "mobile",
    "email",
    "sms",
    "telegram",
    "viber",
    "whatsapp",
    "call_center",
    "pos",
    "helpdesk",
    "chatbot",
    "ads",
    "social",
    "other",
)

# What Segment/RudderStack libraries and common tools put in context.channel.
SYNONYMS: dict[str, str] = {
    "browser": "web",
    "client": "web",
    "website": "web",
    "app": "mobile",
    "ios": "mobile",
    "android": "mobile",
    "call-center": "call_center",
    "callcenter": "call_center",
    "phone": "call_center",
    "store": "pos",
    "offline": "pos",
    "bot": "chatbot",
}

# "server" says where the SDK runs, not where the customer is: use the source's channel.
SOURCE_DEFAULT_MARKERS = frozenset({"server", "backend", ""})

ACCEPTED_TEXT = ", ".join(CHANNELS)


def canonical_channel(value: str) -> str | None:
    """The canonical channel for a context.channel value; None means 'the source default'.

    Raises ValueError for values that name no channel we know.
    """
    key = value.strip().lower()
    if key in SOURCE_DEFAULT_MARKERS:
        return None
    if key in CHANNELS:
        return key
    if key in SYNONYMS:
        return SYNONYMS[key]
    raise ValueError(value)
