"""GSM-7 vs UCS-2 and segment counts (GSM 03.38): 160/153 septets, 70/67 UTF-16 units."""

import pytest

from unison.messaging.templates.sms import GSM7, UCS2, count, encoding_of


class TestEncoding:
    @pytest.mark.parametrize(
        ("text", "encoding"),
        [
            ("Hello, world! @£$¥èéùìò", GSM7),
            ("ΔΦΓΛΩΠΨΣΘΞ ÄÖÑÜ§¿äöñüà", GSM7),  # Greek capitals are in the basic table
            ("curly {braces} [and] ~^|\\ €", GSM7),  # the extension table
            ("გამარჯობა", UCS2),  # Georgian
            ("Բարեւ", UCS2),  # Armenian
            ("שלום", UCS2),  # Hebrew
            ("Привет", UCS2),  # Cyrillic
            ("Hello ç", UCS2),  # lower-case ç is not GSM-7 (only Ç is)
            ("Hi 🙂", UCS2),
        ],
    )
    def test_detection(self, text: str, encoding: str) -> None:
        assert encoding_of(text) == encoding


class TestSegments:
    @pytest.mark.parametrize(
        ("text", "units", "segments"),
        [
            ("", 0, 0),
            ("a" * 160, 160, 1),
            ("a" * 161, 161, 2),
            ("a" * 306, 306, 2),
            ("a" * 307, 307, 3),
            ("€" * 80, 160, 1),  # each extension character is two septets
            ("€" * 81, 162, 2),
            ("ა" * 70, 70, 1),
            ("ა" * 71, 71, 2),
            ("ა" * 134, 134, 2),
            ("ა" * 135, 135, 3),
            ("🙂" * 35, 70, 1),  # a surrogate pair is two UTF-16 units
        ],
    )
    def test_counts(self, text: str, units: int, segments: int) -> None:
        found = count(text)
        assert (found.units, found.segments) == (units, segments)

    def test_an_escape_sequence_is_never_split_across_parts(self) -> None:
        # 152 septets, then an extension character: it does not fit in the first 153
        found = count("a" * 152 + "€" + "a" * 10)
        assert (found.units, found.segments, found.per_segment) == (164, 2, 153)
        packed = count("a" * 152 + "€" + "a" * 152)  # 152 | 2+151 | 1: a third part
        assert packed.segments == 3

    def test_a_surrogate_pair_is_never_split_across_parts(self) -> None:
        found = count("ა" * 66 + "🙂" + "ა" * 66)  # 66 | 2+65 | 1
        assert (found.units, found.segments) == (134, 3)
