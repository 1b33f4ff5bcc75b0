"""bot.blocks: the Block Kit the bot sends, built from real triages (session model, real SQLite store)."""

import json
from dataclasses import replace

import pytest

from bot.db import NewQuote
from bot.services.overview import Overview
from bot.services.quotes import QuoteDraft
from bot.services.triage import Where, triage_message
from bot.slack.payloads import private_metadata
from bot.slack.texts import VERDICT_LABEL, percent, t
from bot.slack.ui import help as help_ui
from bot.slack.ui import home as home_ui
from bot.slack.ui import ids, verdict
from bot.slack.ui import quotes as quote_ui
from model.catalog import IN_SCOPE, NONE_LABEL, OUT_OF_SCOPE, UNSURE
from tests.support.blockkit import block, element, elements, mrkdwn_texts, rendered_text, text_objects

OUT_EN = "Could you install Ollama with Llama 3 on our GPU VM for us?"
OUT_DE = "Bitte installiert uns Ollama auf der GPU-VM"
IN_EN = "I forgot my password for the ccenter login, how do I reset it?"
NONE_EN = "thanks, that worked!"
HOSTILE = "<!channel> <@U123> & <https://x|y>"
HOSTILE_REQUEST = f"{HOSTILE} please install PyTorch on our GPU VM"
USER_CONTROL_SEQUENCES = ("<!channel", "<@U123", "<https://x")


@pytest.fixture
def triage(classifier, catalog, store):
    """triage(text, verdict, label=None): the real triage of `text`, checking the model sees it as the test expects."""

    def make(text, verdict, label=None):
        result = triage_message(
            text,
            classifier=classifier,
            catalog=catalog,
            store=store,
            source="command",
            where=Where(user_id="U0CUSTOMER"),
        )
        assert result.verdict == verdict, f"model now says {result.prediction} for {text!r}"
        if label:
            assert result.prediction.label == label, f"model now says {result.prediction} for {text!r}"
        return result

    return make


def as_unsure(triage_):
    """The same triage as if the model had been below its threshold (low confidence for a real row)."""
    prediction = replace(triage_.prediction, verdict=UNSURE, confidence=0.41, reason="low_confidence")
    return replace(triage_, prediction=prediction)


def section_texts(reply):
    return [b["text"]["text"] for b in reply if b["type"] == "section" and "text" in b]


# --- verdict replies -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "lang"), [(OUT_EN, "en"), (OUT_DE, "de")])
def test_out_of_scope_reply_offers_a_quote_and_the_paid_service_text(text, lang, triage, catalog):
    tri = triage(text, OUT_OF_SCOPE, "cloudgpu.third_party_frameworks")
    assert tri.lang == lang
    reply = verdict.verdict_blocks(tri, catalog=catalog)

    assert VERDICT_LABEL[lang][OUT_OF_SCOPE] in section_texts(reply)[0]
    quote = element(reply, ids.ACTION_REQUEST_QUOTE)
    assert quote is not None and quote["value"] == str(tri.verdict_id)
    assert quote["text"]["text"] == t(lang, "request_quote")
    paid = catalog.paid_service
    shown = rendered_text(reply)
    assert paid.title[lang] in shown and paid.text[lang] in shown
    assert all(criterion in shown for criterion in paid.criteria[lang])
    assert tri.row.title(lang) in shown and "centron Cloud GPU" in shown
    assert percent(tri.prediction.confidence) in shown


def test_in_scope_reply_has_neither_quote_button_nor_paid_service(triage, catalog):
    tri = triage(IN_EN, IN_SCOPE, "cstack.account")
    reply = verdict.verdict_blocks(tri, catalog=catalog)
    shown = rendered_text(reply)
    assert "*In scope*" in section_texts(reply)[0]
    assert element(reply, ids.ACTION_REQUEST_QUOTE) is None
    assert catalog.paid_service.title["en"] not in shown
    assert "centron account matters (ccenter, cStack)" in shown and "centron cStack" in shown


def test_unsure_reply_hands_over_to_the_support_group_when_one_is_configured(triage, catalog):
    tri = as_unsure(triage(OUT_EN, OUT_OF_SCOPE))
    reply = verdict.verdict_blocks(tri, catalog=catalog, support_group="S0SUPPORT")
    head = section_texts(reply)[0]
    assert "*Not sure*" in head and t("en", "unsure_handover") in head
    assert "<!subteam^S0SUPPORT>" in head
    assert f"*{t('en', 'likely')}:* {tri.row.title('en')}" in rendered_text(reply)
    assert element(reply, ids.ACTION_REQUEST_QUOTE) is None
    assert catalog.paid_service.title["en"] not in rendered_text(reply)


def test_unsure_reply_mentions_nobody_without_a_support_group(triage, catalog):
    reply = verdict.verdict_blocks(as_unsure(triage(OUT_EN, OUT_OF_SCOPE)), catalog=catalog)
    assert "<!" not in json.dumps(reply)
    assert t("en", "unsure_handover") in section_texts(reply)[0]


def test_not_a_request_reply_says_so_and_pages_nobody(triage, catalog):
    tri = triage(NONE_EN, UNSURE, NONE_LABEL)
    reply = verdict.verdict_blocks(tri, catalog=catalog, support_group="S0SUPPORT")
    assert section_texts(reply) == [f":thinking_face: *Not sure* · {t('en', 'not_a_request')}"]
    assert "subteam" not in json.dumps(reply)
    assert element(reply, ids.ACTION_REQUEST_QUOTE) is None


@pytest.mark.parametrize("kind", ["out", "in", "unsure", "none"])
def test_every_reply_ends_with_feedback_controls_for_its_verdict(kind, triage, catalog):
    tri = {
        "out": lambda: triage(OUT_EN, OUT_OF_SCOPE),
        "in": lambda: triage(IN_EN, IN_SCOPE),
        "unsure": lambda: as_unsure(triage(OUT_EN, OUT_OF_SCOPE)),
        "none": lambda: triage(NONE_EN, UNSURE, NONE_LABEL),
    }[kind]()
    reply = verdict.verdict_blocks(tri, catalog=catalog)
    feedback = reply[-1]
    assert feedback["type"] == "actions" and feedback["block_id"] == f"feedback:{tri.verdict_id}"
    assert element([feedback], ids.ACTION_FEEDBACK_CORRECT)["value"] == str(tri.verdict_id)
    wrong = element([feedback], ids.ACTION_FEEDBACK_WRONG)
    assert [o["value"] for o in wrong["options"]] == list(catalog.labels)
    assert all(len(o["text"]["text"]) <= verdict.OPTION_TEXT_LIMIT for o in wrong["options"])


def test_reply_blocks_stay_within_slack_limits(triage, catalog):
    for tri in (triage(OUT_DE, OUT_OF_SCOPE), triage(IN_EN, IN_SCOPE)):
        reply = verdict.verdict_blocks(tri, catalog=catalog, private=True)
        assert len(reply) <= 50
        for b in reply:
            if b["type"] == "section":
                assert len(b.get("text", {}).get("text", "")) <= 3000
                assert all(len(f["text"]) <= 2000 for f in b.get("fields", []))
        for e in (e for b in reply if b["type"] == "actions" for e in b["elements"]):
            if e["type"] == "button":
                assert len(e["text"]["text"]) <= 75 and len(e["value"]) <= 2000


@pytest.mark.parametrize("lang", ["de", "en"])
def test_option_texts_fit_slacks_limit_and_long_titles_are_shortened_visibly(lang, catalog):
    for row in [*catalog.rows, catalog.none_row]:
        text = verdict.row_option_text(row, catalog=catalog, lang=lang)
        assert len(text) <= verdict.OPTION_TEXT_LIMIT, text
        full = (
            f"{catalog.product(row.product).name.removeprefix('centron ') if row.product else '—'} · {row.title(lang)}"
        )
        assert (
            text == full
            if len(full) <= verdict.OPTION_TEXT_LIMIT
            else (text.endswith("…") and full.startswith(text[:-1]))
        )
    orders = verdict.row_option_text(catalog.row("cstack.orders"), catalog=catalog, lang=lang)
    assert orders.startswith("cStack · ") and orders.endswith("…")


# --- fallback text and metadata ------------------------------------------------------------------------------------


def test_verdict_text_states_the_verdict_row_product_and_confidence(triage):
    tri = triage(OUT_EN, OUT_OF_SCOPE)
    assert verdict.verdict_text(tri) == (
        f"Out of scope: {tri.row.title_en} (centron Cloud GPU), {percent(tri.prediction.confidence)}"
    )
    inside = triage(IN_EN, IN_SCOPE)
    assert verdict.verdict_text(inside).startswith("In scope: centron account matters")
    assert verdict.verdict_text(as_unsure(tri)).startswith(f"Not sure: {tri.row.title_en}")
    assert verdict.verdict_text(triage(NONE_EN, UNSURE, NONE_LABEL)) == f"Not sure: {t('en', 'not_a_request')}"
    assert verdict.verdict_text(triage(OUT_DE, OUT_OF_SCOPE)).startswith("Out of Scope: Bereitstellen von Frameworks")


@pytest.mark.parametrize(("text", "expected"), [(OUT_EN, OUT_OF_SCOPE), (IN_EN, IN_SCOPE), (NONE_EN, UNSURE)])
def test_verdict_metadata_carries_what_was_decided_and_logged(text, expected, triage, store, classifier):
    tri = triage(text, expected)
    meta = verdict.verdict_metadata(tri)
    logged = store.verdicts.get(tri.verdict_id)
    assert meta["event_type"] == "scope_triage"
    payload = meta["event_payload"]
    assert payload["label"] == logged.label == tri.prediction.label
    assert payload["verdict"] == logged.verdict == expected
    assert payload["confidence"] == pytest.approx(logged.confidence, abs=1e-4)
    assert 0 < payload["confidence"] <= 1
    assert payload["model_version"] == logged.model_version == classifier.version
    assert payload["verdict_id"] == tri.verdict_id
    json.dumps(meta)  # Slack takes it as JSON


# --- user text echoed back is never a mention, @channel or link ----------------------------------------------------


OTHER_EN = "Is there an outage in your Frankfurt data center right now?"
MIXED_DE = "Unsere Rechnung vom Mai kam doppelt. Außerdem bräuchten wir jemanden, der uns Ollama installiert."


def quote_buttons(reply):
    return [e for e in elements(reply) if e.get("action_id", "").startswith(ids.ACTION_REQUEST_QUOTE)]


@pytest.mark.parametrize("private", [False, True])
def test_a_request_no_row_covers_is_handed_over_and_never_offered_a_quote(private, triage, catalog):
    tri = triage(OTHER_EN, UNSURE, "other")
    assert tri.prediction.reason == "not_covered"
    reply = verdict.verdict_blocks(tri, catalog=catalog, support_group="S0SUPPORT", private=private)
    assert quote_buttons(reply) == []
    shown = rendered_text(reply)
    assert t("en", "not_covered_line") in shown and catalog.paid_service.title["en"] not in shown
    if private:  # nobody would be notified: send the user where an agent sees it
        assert t("en", "unsure_handover_private") in shown and "<!subteam^" not in shown
    else:
        assert f"{t('en', 'unsure_handover')} <!subteam^S0SUPPORT>" in shown
    assert block(reply, f"{ids.BLOCK_FEEDBACK}:{tri.verdict_id}") is not None
    assert verdict.verdict_text(tri).startswith(f"Not sure: {t('en', 'not_covered_line')}")


def test_a_mixed_reply_answers_each_part_with_one_quote_button_for_the_paid_part(triage, catalog):
    tri = triage(MIXED_DE, "mixed")
    included, paid = tri.prediction.parts
    assert (included.verdict, paid.verdict, paid.label) == (IN_SCOPE, OUT_OF_SCOPE, "cloudgpu.third_party_frameworks")
    reply = verdict.verdict_blocks(tri, catalog=catalog)
    shown = rendered_text(reply)
    assert t("de", "mixed_line") in shown
    for n, part in enumerate((included, paid), start=1):
        assert f"*{t('de', 'part', n=str(n))}:*" in shown
        assert part.text in shown  # each part quoted as written
        assert catalog.row(part.label).title("de") in shown
    [button] = quote_buttons(reply)
    assert (button["action_id"], button["value"]) == (ids.ACTION_REQUEST_QUOTE, f"{tri.verdict_id}:1")
    # Feedback per part: a correction teaches the part's text, not the whole message.
    assert block(reply, f"{ids.BLOCK_FEEDBACK}:{tri.verdict_id}:0") is not None
    assert block(reply, f"{ids.BLOCK_FEEDBACK}:{tri.verdict_id}:1") is not None
    assert catalog.paid_service.title["de"] in shown
    meta = verdict.verdict_metadata(tri)["event_payload"]
    assert (meta["verdict"], meta["reason"]) == ("mixed", None)
    assert [(p["start"], p["end"], p["verdict"]) for p in meta["parts"]] == [
        (included.start, included.end, IN_SCOPE),
        (paid.start, paid.end, OUT_OF_SCOPE),
    ]
    assert MIXED_DE[paid.start : paid.end] == paid.text
    assert VERDICT_LABEL["de"]["mixed"] in verdict.verdict_text(tri)


def test_a_mixed_reply_with_two_paid_parts_names_each_quote_button(triage, catalog):
    tri = triage(MIXED_DE, "mixed")
    included, paid = tri.prediction.parts
    second = replace(paid, start=paid.start, text=paid.text)
    two_paid = replace(tri, prediction=replace(tri.prediction, parts=(included, paid, second)))
    buttons = quote_buttons(verdict.verdict_blocks(two_paid, catalog=catalog))
    assert [b["action_id"] for b in buttons] == [f"{ids.ACTION_REQUEST_QUOTE}:1", f"{ids.ACTION_REQUEST_QUOTE}:2"]
    assert [b["value"] for b in buttons] == [f"{tri.verdict_id}:1", f"{tri.verdict_id}:2"]
    assert len({b["action_id"] for b in buttons}) == 2  # Slack wants them unique within a block


def test_mixed_parts_are_logged_with_the_verdict(triage, store):
    tri = triage(MIXED_DE, "mixed")
    logged = store.verdicts.get(tri.verdict_id)
    assert (logged.verdict, logged.reason) == ("mixed", None)
    assert [(p.text, p.label, p.verdict) for p in logged.parts] == [
        (p.text, p.label, p.verdict) for p in tri.prediction.parts
    ]
    other = triage(OTHER_EN, UNSURE, "other")
    assert store.verdicts.get(other.verdict_id).reason == "not_covered"


def test_terse_german_is_answered_in_german(triage, catalog):
    tri = triage("Konto gesperrt", IN_SCOPE)
    assert tri.lang == "de"
    assert VERDICT_LABEL["de"][IN_SCOPE] in rendered_text(verdict.verdict_blocks(tri, catalog=catalog))


def assert_no_user_control_sequences(node):
    dumped = json.dumps(node, ensure_ascii=False)
    for sequence in USER_CONTROL_SEQUENCES:
        assert sequence not in dumped, sequence


def test_echoed_request_is_escaped(triage, catalog):
    tri = triage(HOSTILE_REQUEST, OUT_OF_SCOPE)
    reply = verdict.verdict_blocks(tri, catalog=catalog, private=True)
    assert reply[0]["type"] == "context"
    assert reply[0]["elements"][0]["text"].startswith(
        "> &lt;!channel&gt; &lt;@U123&gt; &amp; &lt;https://x|y&gt; please"
    )
    assert_no_user_control_sequences(reply)
    assert "<!" not in json.dumps(reply)  # no support group configured: no bot mention either
    assert_no_user_control_sequences(verdict.verdict_text(tri))
    assert HOSTILE not in json.dumps(verdict.verdict_blocks(tri, catalog=catalog, private=False), ensure_ascii=False)


FORMATTED = "*URGENT: approved by legal* see https://evil.example/x and #general ``` closes"


def test_echoed_text_shows_as_typed_no_formatting_no_auto_link(triage, store, catalog):
    tri = triage(FORMATTED + " please install PyTorch on our GPU VM", OUT_OF_SCOPE)
    reply = verdict.verdict_blocks(tri, catalog=catalog, private=True)
    quote = store.quotes.create(
        NewQuote(
            requester_id="U0REQ",
            origin_channel_id="C0SUPPORT",
            original_text=FORMATTED,
            detected_label="cloudgpu.third_party_frameworks",
            product="cloudgpu",
            what=FORMATTED,
            timeline=f"{FORMATTED} next week",
            contact="*ops*@example.com",
            lang="en",
        ),
        submission_key="view:V-formatted",
    )[0]
    for surface in (reply, quote_ui.quote_staff_blocks(quote, catalog=catalog)):
        dumped = json.dumps(surface, ensure_ascii=False)
        assert "*URGENT" not in dumped and "```" not in dumped and "*ops*" not in dumped
        mrkdwn = [o for o in text_objects(surface) if o["type"] == "mrkdwn"]
        assert mrkdwn and all(o["verbatim"] is True for o in mrkdwn)  # no URL or #channel in them is auto-linked
        assert FORMATTED in rendered_text(surface).replace("\u200b", "")  # what the user typed, as typed


def test_echo_of_a_long_request_is_cut(triage, catalog):
    tri = triage(OUT_EN + " " + "Details follow. " * 100, OUT_OF_SCOPE)
    echo = verdict.verdict_blocks(tri, catalog=catalog, private=True)[0]["elements"][0]["text"]
    assert echo.endswith("(truncated)") and len(echo) < verdict.REPLY_ECHO_CHARS + 30


def hostile_quote(store, *, lang="en"):
    new = NewQuote(
        requester_id="U0REQ",
        origin_channel_id="C0SUPPORT",
        original_text=HOSTILE_REQUEST,
        detected_label="cloudgpu.third_party_frameworks",
        product="cloudgpu",
        what=f"{HOSTILE} set up PyTorch and Jupyter",
        timeline=f"{HOSTILE} next week",
        contact=f"{HOSTILE} ops@example.com",
        lang=lang,
    )
    quote, created = store.quotes.create(new, submission_key="view:V-hostile")
    assert created
    return quote


def test_quote_staff_post_escapes_every_user_field(store, catalog):
    quote = hostile_quote(store)
    post = quote_ui.quote_staff_blocks(quote, catalog=catalog)
    assert_no_user_control_sequences(post)
    assert_no_user_control_sequences(quote_ui.quote_staff_text(quote))
    shown = rendered_text(post)
    assert "<@U0REQ>" in shown  # the requester is mentioned on purpose
    assert "&lt;!channel&gt; &lt;@U123&gt; &amp; &lt;https://x|y&gt; next week" in shown
    assert quote.ref in post[0]["text"]["text"]
    assert "Providing third-party frameworks and applications" in shown and "centron Cloud GPU" in shown


def test_quote_staff_post_has_a_button_per_status_that_may_follow_and_shows_who_decided(store, catalog):
    quote = hostile_quote(store)
    post = quote_ui.quote_staff_blocks(quote, catalog=catalog)
    actions = block(post, f"quote:{quote.ref}")
    assert [(e["action_id"], e["text"]["text"]) for e in actions["elements"]] == [
        ("scope_quote_status:feasible", "Feasible"),
        ("scope_quote_status:quote_sent", "Quote sent"),
        ("scope_quote_status:declined", "Declined"),
    ]
    # Each button carries the status the post shows, so a click on it once it is stale changes nothing.
    assert {e["value"] for e in actions["elements"]} == {f"{quote.ref}:new"}
    assert "*Status:* new" in rendered_text(post) and "(by" not in rendered_text(post)
    decided, changed = store.quotes.set_status(quote.ref, status="quote_sent", user_id="U0STAFF")
    assert changed
    redrawn = quote_ui.quote_staff_blocks(decided, catalog=catalog)
    assert "*Status:* quote sent (by <@U0STAFF>)" in rendered_text(redrawn)
    actions = block(redrawn, f"quote:{quote.ref}")
    assert [(e["text"]["text"], e.get("style")) for e in actions["elements"]] == [
        ("Accepted", "primary"),
        ("Declined", "danger"),
    ]
    assert {e["value"] for e in actions["elements"]} == {f"{quote.ref}:quote_sent"}
    assert "new" not in quote_ui.STAFF_STATUSES  # no button sets a request back to new


@pytest.mark.parametrize(
    ("status", "buttons"),
    [
        ("feasible", ["quote_sent", "declined"]),
        ("quote_sent", ["accepted", "declined"]),
        ("accepted", []),
        ("declined", []),
    ],
)
def test_a_decided_post_shows_only_the_statuses_that_may_follow(status, buttons, store, catalog):
    quote = hostile_quote(store)
    decided = replace(quote, status=status, decided_by="cli")
    post = quote_ui.quote_staff_blocks(decided, catalog=catalog)
    actions = block(post, f"quote:{quote.ref}")
    shown = [e["action_id"].removeprefix("scope_quote_status:") for e in actions["elements"]] if actions else []
    assert shown == buttons  # a final decision has no actions block at all (Slack refuses an empty one)
    # someone who is no Slack user (the CLI) is named, not mentioned
    assert "(by cli)" in rendered_text(post) and "<@cli>" not in rendered_text(post)


def test_a_status_button_value_names_the_request_and_the_status_its_post_showed():
    value = ids.quote_status_value("Q-2026-0042", "feasible")
    assert ids.parse_quote_status_value(value) == ("Q-2026-0042", "feasible")
    assert ids.parse_quote_status_value("q-2026-0042:declined") == ("Q-2026-0042", "declined")
    # A post rendered before buttons carried the status: it can only decide a request nobody has decided yet.
    assert ids.parse_quote_status_value("Q-2026-0042") == ("Q-2026-0042", "new")


@pytest.mark.parametrize("value", ["", "Q-2026-0042:", "42:new", "Q-2026-0042 OR 1=1:new", "x:Q-2026-0042:new"])
def test_a_status_button_value_that_is_not_one_is_refused(value):
    with pytest.raises(ValueError, match="not a quote status button value"):
        ids.parse_quote_status_value(value)


def test_a_late_click_is_told_the_current_status_and_who_decided_it(store):
    quote = hostile_quote(store)
    assert (
        quote_ui.quote_status_unchanged(quote) == f"Quote request *{quote.ref}* is already *new*. Nothing was changed."
    )
    decided, _ = store.quotes.set_status(quote.ref, status="quote_sent", user_id="U0STAFF")
    assert quote_ui.quote_status_unchanged(decided) == (
        f"Quote request *{quote.ref}* is already *quote sent* (by <@U0STAFF>). Nothing was changed."
    )


def test_quote_modal_escapes_the_echo_but_prefills_the_users_own_words(catalog):
    meta = {"verdict_id": 5, "channel_id": "C0SUPPORT", "lang": "en"}
    draft = QuoteDraft(
        verdict_id=5,
        part=None,
        original_text=HOSTILE_REQUEST,
        detected_label="cloudgpu.third_party_frameworks",
        lang="en",
    )
    modal = quote_ui.quote_modal(catalog=catalog, draft=draft, private_metadata=meta)
    for text in mrkdwn_texts(modal):
        for sequence in USER_CONTROL_SEQUENCES:
            assert sequence not in text
    assert any("&lt;!channel&gt;" in text for text in mrkdwn_texts(modal))
    what = block(modal["blocks"], ids.BLOCK_QUOTE_WHAT)["element"]
    # plain_text_input is never parsed for mentions: the user edits exactly what they wrote.
    assert what["type"] == "plain_text_input" and what["initial_value"] == HOSTILE_REQUEST
    assert modal["callback_id"] == ids.CALLBACK_QUOTE_MODAL
    assert private_metadata(modal) == meta


@pytest.mark.parametrize("lang", ["de", "en"])
def test_quote_modal_preselects_the_detected_product_and_fits_slack_limits(lang, catalog):
    draft = QuoteDraft(
        verdict_id=1, part=None, original_text="x" * 5000, detected_label="cstack.deploy_instances_k8s", lang=lang
    )
    modal = quote_ui.quote_modal(catalog=catalog, draft=draft, private_metadata={})
    product = block(modal["blocks"], ids.BLOCK_QUOTE_PRODUCT)["element"]
    assert product["initial_option"]["value"] == "cstack"
    assert [o["value"] for o in product["options"]] == [p.id for p in catalog.products]
    assert f"{t(lang, 'quote_detected')}: {catalog.row('cstack.deploy_instances_k8s').title(lang)}" in rendered_text(
        modal
    )
    for key in ("title", "submit", "close"):
        assert 0 < len(modal[key]["text"]) <= 24
    assert modal["title"]["text"] == t(lang, "quote_modal_title")
    assert len(block(modal["blocks"], ids.BLOCK_QUOTE_WHAT)["element"]["initial_value"]) == 3000
    input_ids = [b.get("block_id") for b in modal["blocks"] if b["type"] == "input"]
    assert input_ids == [
        ids.BLOCK_QUOTE_WHAT,
        ids.BLOCK_QUOTE_PRODUCT,
        ids.BLOCK_QUOTE_TIMELINE,
        ids.BLOCK_QUOTE_CONTACT,
    ]


@pytest.mark.parametrize("detected", [None, NONE_LABEL])
def test_quote_modal_without_a_detected_row_preselects_nothing(detected, catalog):
    draft = QuoteDraft(verdict_id=1, part=None, original_text="hello", detected_label=detected, lang="en")
    modal = quote_ui.quote_modal(catalog=catalog, draft=draft, private_metadata={})
    assert "initial_option" not in block(modal["blocks"], ids.BLOCK_QUOTE_PRODUCT)["element"]
    assert t("en", "quote_detected") not in rendered_text(modal)


def test_quote_messages_to_the_requester_are_in_their_language(store):
    quote = hostile_quote(store, lang="de")
    assert quote_ui.quote_confirmation(quote) == t("de", "quote_confirm", ref=quote.ref)
    decided, _ = store.quotes.set_status(quote.ref, status="quote_sent", user_id="U0STAFF")
    assert (
        quote_ui.quote_status_update(decided) == f"Update zu deiner Angebotsanfrage *{quote.ref}*: Angebot verschickt."
    )
    accepted, _ = store.quotes.set_status(quote.ref, status="accepted", user_id="U0STAFF")
    assert quote_ui.quote_status_update(accepted) == (
        f"Danke, dass du unser Angebot zu deiner Anfrage *{quote.ref}* angenommen hast! Wir melden uns bei dir, "
        "um die Umsetzung zu planen."
    )
    assert quote_ui.quote_status_update(replace(accepted, lang="en")) == (
        f"Thanks for accepting our quote for your request *{quote.ref}*! We will get in touch with you to schedule "
        "the work."
    )


def test_a_request_stored_with_a_language_the_bot_does_not_speak_is_told_in_english(store):
    # Stored before private_metadata was validated; its status notices must still be built, or no change applies.
    quote = hostile_quote(store, lang="xx")
    decided, _ = store.quotes.set_status(quote.ref, status="feasible", user_id="U0STAFF")
    assert quote_ui.quote_status_update(decided) == f"Update on your quote request *{quote.ref}*: feasible."


# --- help, tables, App Home ----------------------------------------------------------------------------------------


def test_help_lists_the_ways_to_ask(catalog):
    for lang in ("de", "en", "fr"):
        shown = rendered_text(help_ui.help_blocks(lang))
        assert "`/scope table gpu`" in shown and "`/scope" in shown
    assert "Anfrage prüfen" in rendered_text(help_ui.help_blocks("de"))


def test_table_of_one_product_lists_exactly_its_rows_with_verdicts(catalog):
    table = help_ui.table_blocks(catalog, products=["cloudgpu"], lang="en")
    headers = [b["text"]["text"] for b in table if b["type"] == "header"]
    assert headers == ["centron Cloud GPU – Scope of Support"]
    lines = [line for text in section_texts(table) for line in text.splitlines()]
    marks = {IN_SCOPE: "✅", OUT_OF_SCOPE: "💶"}
    assert lines == [
        f"{marks[r.verdict]} *{VERDICT_LABEL['en'][r.verdict]}* – {r.title_en}" for r in catalog.rows_of("cloudgpu")
    ]
    assert {r.verdict for r in catalog.rows_of("cloudgpu")} == {IN_SCOPE, OUT_OF_SCOPE}
    assert catalog.paid_service.title["en"] in rendered_text(table)
    assert "Out of Scope" in help_ui.table_text(catalog, products=["cstack"], lang="de")


def test_home_view_shows_model_counts_tables_and_an_escaped_review_queue(store, catalog, classifier):
    item, _ = store.feedback.add(
        text=HOSTILE_REQUEST, label="cloudgpu.custom_code", source="slack", status="pending", user_id="U0FB"
    )
    view = home_ui.home_view(
        catalog=catalog,
        model_version=classifier.version,
        model_metrics=classifier.manifest.metrics,
        overview=Overview(
            days=7, verdict_counts={IN_SCOPE: 3, OUT_OF_SCOPE: 2}, quote_count=1, pending_feedback=(item,)
        ),
    )
    shown = rendered_text(view)
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    assert f"`{classifier.version}`" in shown and "verdict accuracy" in shown
    assert "In scope: 3 · Out of scope: 2 · Not sure: 0 · Quote requests: 1" in shown
    assert_no_user_control_sequences(view)
    review = block(view["blocks"], f"review:{item.id}")
    assert [(e["action_id"], e["value"]) for e in review["elements"]] == [
        (ids.ACTION_REVIEW_ACCEPT, str(item.id)),
        (ids.ACTION_REVIEW_DISCARD, str(item.id)),
    ]
    without_queue = home_ui.home_view(
        catalog=catalog,
        model_version="v1",
        model_metrics=None,
        overview=Overview(days=7, verdict_counts={}, quote_count=0, pending_feedback=()),
    )
    assert "Feedback waiting for review" not in rendered_text(without_queue)
    assert "no evaluation figures" in rendered_text(without_queue)
