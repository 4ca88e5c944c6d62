"""Stop keywords in every language our customers write, and what does not count."""

import pytest

from unison.consent.ledger.keywords import match


class TestStopKeywords:
    @pytest.mark.parametrize(
        ("message", "language"),
        [
            ("STOP", "en"),
            (" Unsubscribe! ", "en"),
            ("СТОП.", "ru"),
            ("Отписаться", "ru"),
            ("ВІДПИСАТИСЯ", "uk"),
            ("הסר", "he"),
            ("სტოპ", "ka"),
            ("ՍՏՈՊ", "hy"),  # Armenian has case too
        ],
    )
    def test_a_message_that_is_only_the_keyword_matches_with_its_language(
        self, message: str, language: str
    ) -> None:
        found = match(message, [])
        assert found is not None
        assert found[1] == language

    @pytest.mark.parametrize("message", ["please stop", "הסר אותי מחר", "stopp", "", 42, "s" * 100])
    def test_conversation_and_non_text_do_not_match(self, message: object) -> None:
        assert match(message, []) is None

    def test_configured_words_match_without_a_language(self) -> None:
        assert match("Basta!", ["BASTA"]) == ("basta", None)
