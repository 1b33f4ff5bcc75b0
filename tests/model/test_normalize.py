import html
import random
import re
import unicodedata

from model.normalize import fold_accents, normalize_text


def test_strips_user_channel_and_broadcast_mentions():
    text = "<@U04ABC123> <@U9|anna> bitte <#C01XYZ|support> <!here> <!subteam^S123|@ops> schauen"
    assert normalize_text(text) == "bitte schauen"


def test_unwraps_labelled_links_and_keeps_bare_urls():
    assert normalize_text("see <https://ccenter.centron.de/login|the Login page>") == "see the login page"
    assert normalize_text("see <https://ccenter.centron.de/x>") == "see https://ccenter.centron.de/x"
    assert normalize_text("mail <mailto:ops@example.com|ops@example.com>") == "mail ops@example.com"


def test_drops_emoji_codes_but_not_times_or_urls():
    assert normalize_text(":pray: help :+1: :skin-tone-2: at 10:30:45") == "help at 10:30:45"
    assert normalize_text(":fire::fire: down") == "down"
    assert normalize_text("https://x.de:8443/a") == "https://x.de:8443/a"


def test_keeps_code_text_without_backticks():
    assert normalize_text("run `kubectl get pods` then ```nvidia-smi```") == "run kubectl get pods then nvidia-smi"


def test_lowercases_and_folds_umlauts_and_eszett():
    assert normalize_text("Kündigung GRÖSSE Straße Ärger") == "kundigung grosse strasse arger"
    assert fold_accents("café ẞ") == "cafe ss"


def test_folding_is_the_same_for_every_character_and_for_text_that_mixes_them():
    def by_definition(text):
        text = text.replace("ß", "ss").replace("ẞ", "ss")
        return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))

    chars = [chr(c) for c in range(0x20, 0x2000)] + ["ẞ", "€", "🚀", "ǅ", "ﬁ", "Ⅳ"]
    assert [fold_accents(c) for c in chars] == [by_definition(c) for c in chars]
    mixed = "Größe ÄÖÜ œuvre Łódź Ⅻ ﬁle 🚀 a\u0308 e\u0301\u0327 ĳ ñ"
    assert fold_accents(mixed) == by_definition(mixed)


def test_unescapes_slack_html_entities_and_collapses_space():
    assert normalize_text("a &amp; b\n\n  &lt;c&gt;") == "a & b <c>"


def test_the_shortcuts_give_what_every_pattern_applied_everywhere_gives():
    def by_definition(text):
        text = html.unescape(text)
        text = re.sub(r"<(?:https?://|mailto:)[^<>|]*\|([^<>]*)>", r" \1 ", text)
        text = re.sub(r"<((?:https?://|mailto:)[^<>|]*)>", r" \1 ", text)
        text = re.sub(r"<[@#!][^<>]*>", " ", text)
        text = re.sub(r"```|`", " ", text)
        text = text.lower().replace("ß", "ss").replace("ẞ", "ss")
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
        text = re.sub(r"(?<![\w/]):[a-z0-9_+'\-]*[a-z+][a-z0-9_+'\-]*:(?!\w)", " ", text)
        return re.sub(r"\s+", " ", text).strip()

    pieces = [
        "<@U1>",
        "<https://x.io/a|Doku>",
        "<mailto:a@b.de>",
        "&lt;b&gt;",
        "&lt;@U2&gt;",
        "&amp;",
        "`ls`",
        "```x```",
        ":pray:",
        "10:30",
        "Größe",
        "e\u0301",
        "ﬁ",
        "🚀",
        "\u00a0",
        "\u2003",
        "\n\n",
        "\t",
        " ",
        "VM",
        "läuft",
        "nicht",
        "?",
    ]
    rng = random.Random(8)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12)))
        assert normalize_text(text) == by_definition(text), text
