"""Channel keywords: an inbound message that is just STOP (or one of its kin) withdraws
marketing on the channel it came through."""

import unicodedata

BUILTIN: dict[str, str] = {  # keyword -> the language it is written in
    "stop": "en",
    "unsubscribe": "en",
    "стоп": "ru",
    "отписаться": "ru",
    # Our customers' other languages: the Ukrainian verb, the word Israeli senders must
    # honour by law ("remove"), and "stop" as Georgian and Armenian customers spell it.
    "відписатися": "uk",
    "הסר": "he",
    "სტოპ": "ka",
    "ստոպ": "hy",
}
KEYWORD_CHANNELS = frozenset({"sms", "telegram", "viber", "whatsapp"})


def normalize(message: str) -> str:
    """Case, surrounding space and punctuation do not matter ("Stop!" and " СТОП." count)."""
    folded = unicodedata.normalize("NFKC", message).strip().casefold()
    return "".join(ch for ch in folded if not unicodedata.category(ch).startswith("P")).strip()


def match(message: object, extra: list[str]) -> tuple[str, str | None] | None:
    """(keyword, its language if known) when the whole message is a stop keyword.

    Only the whole message counts: "please don't stop" is a conversation, not an opt-out.
    """
    if not isinstance(message, str) or len(message) > 64:
        return None
    word = normalize(message)
    if word in BUILTIN:
        return word, BUILTIN[word]
    if word in {normalize(k) for k in extra}:
        return word, None
    return None
