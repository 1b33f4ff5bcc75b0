"""bot.texts: the bot's strings and the escaping of user text echoed back into Slack."""

import re
import string

import pytest

from bot.db import QUOTE_STATUSES
from bot.slack.texts import (
    QUOTE_STATUS_LABEL,
    STRINGS,
    VERDICT_EMOJI,
    VERDICT_LABEL,
    echo,
    escape,
    excerpt,
    known_lang,
    neutralize,
    status_label,
    t,
)
from model.catalog import IN_SCOPE, MIXED, OUT_OF_SCOPE, UNSURE

HOSTILE = "<!channel> <@U123> & <https://x|y>"


def test_escape_makes_control_sequences_inert():
    assert escape(HOSTILE) == "&lt;!channel&gt; &lt;@U123&gt; &amp; &lt;https://x|y&gt;"


def test_escape_escapes_ampersand_first_so_entities_in_user_text_stay_literal():
    # A user who types "&lt;" must see "&lt;", not "<".
    assert escape("&lt;!here&gt;") == "&amp;lt;!here&amp;gt;"


def test_escape_leaves_ordinary_text_alone():
    text = "Ünïcödé 🚀 שלום — 50% off * _x_ `code`"
    assert escape(text) == text


def test_excerpt_escapes_and_flattens_whitespace():
    assert excerpt(f"  {HOSTILE}\n\n  second\tline ", limit=300, lang="en") == (
        "&lt;!channel&gt; &lt;@U123&gt; &amp; &lt;https://x|y&gt; second line"
    )


def test_excerpt_cuts_long_text_and_says_so_in_the_users_language():
    text = "word " * 200
    short = excerpt(text, limit=50, lang="en")
    assert short.endswith(" … (truncated)")
    assert len(short.removesuffix(" … (truncated)")) <= 50
    assert excerpt(text, limit=50, lang="de").endswith(" … (gekürzt)")
    assert excerpt("short", limit=50, lang="en") == "short"


def test_excerpt_escapes_after_cutting_so_no_half_entity_and_no_raw_bracket_remains():
    text = "x" * 48 + "<!channel>" * 20
    short = excerpt(text, limit=50, lang="en")
    assert "<" not in short and ">" not in short
    assert not re.search(r"&(?!amp;|lt;|gt;)", short), short


def test_t_formats_values_and_falls_back_to_english():
    assert t("en", "quote_confirm", ref="Q-2026-0001").startswith("Thanks! Your quote request *Q-2026-0001*")
    assert "*Q-2026-0001*" in t("de", "quote_confirm", ref="Q-2026-0001")
    assert t("fr", "apology") == STRINGS["en"]["apology"]
    with pytest.raises(KeyError):
        t("en", "no_such_string")


def test_both_languages_have_every_string_with_the_same_placeholders():
    assert STRINGS["de"].keys() == STRINGS["en"].keys()
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    for key in STRINGS["en"]:
        assert fields(STRINGS["de"][key]) == fields(STRINGS["en"][key]), key
        assert STRINGS["de"][key].strip() and STRINGS["en"][key].strip(), key


def test_every_verdict_has_a_label_in_both_languages_and_an_emoji():
    for lang in ("de", "en"):
        assert set(VERDICT_LABEL[lang]) == {IN_SCOPE, OUT_OF_SCOPE, MIXED, UNSURE}
    assert set(VERDICT_EMOJI) == {IN_SCOPE, OUT_OF_SCOPE, MIXED, UNSURE}
    assert VERDICT_LABEL["de"][IN_SCOPE] == "Inklusive"  # the seed tables' own word


def test_every_quote_status_has_a_label_in_both_languages():
    for lang in ("de", "en"):
        assert set(QUOTE_STATUS_LABEL[lang]) == set(QUOTE_STATUSES)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_language_the_bot_speaks_is_kept(lang):
    assert known_lang(lang, default="en") == lang
    assert known_lang(lang, default="de") == lang


@pytest.mark.parametrize("forged", ["xx", "DE", "", None, 7, ["de"], {"de": 1}, "__class__"])
def test_any_other_language_read_back_from_a_payload_falls_back_to_the_default(forged):
    assert known_lang(forged, default="de") == "de"
    assert known_lang(forged) == "en"


def test_a_status_label_in_a_language_the_bot_does_not_speak_is_english():
    assert status_label("de", "quote_sent") == "Angebot verschickt"
    assert status_label("xx", "quote_sent") == "quote sent"


def test_slack_entities_are_escaped_exactly_once():
    from bot.slack.texts import excerpt

    # Slack delivers user-typed "a & b <x>" as entities; the echo must show the same characters again.
    assert excerpt("a &amp; b &lt;x&gt;", limit=100, lang="en") == "a &amp; b &lt;x&gt;"
    assert excerpt("a & b <!here>", limit=100, lang="en") == "a &amp; b &lt;!here&gt;"


def test_percent_never_claims_certainty():
    from bot.slack.texts import percent

    assert (percent(0.5), percent(0.904), percent(0.995), percent(1.0)) == ("50%", "90%", "99%", "99%")


ZWSP = "\u200b"


def test_neutralize_keeps_what_was_typed_but_no_pair_of_markers_can_format():
    typed = "*URGENT: approved* _by_ ~legal~ ```rm -rf``` `x`"
    shown = neutralize(typed)
    assert shown.replace(ZWSP, "") == typed  # reads and copies as typed
    for marker in "*_~`":
        # every marker stands between zero-width spaces: never at a word boundary, so Slack pairs none of them
        assert shown.count(marker) == typed.count(marker)
        assert shown.count(f"{ZWSP}{marker}{ZWSP}") == typed.count(marker)
    assert "``" not in shown  # no fence survives to close a code block


def test_echo_escapes_first_and_neutralizes_after():
    assert echo("<!channel> *now*") == f"&lt;!channel&gt; {ZWSP}*{ZWSP}now{ZWSP}*{ZWSP}"
    assert excerpt("*bold*", limit=50, lang="en") == echo("*bold*")
