"""Everything the bot says, in German and English; pure data and tiny helpers."""

from __future__ import annotations

import html

from bot.services.feedback import FeedbackOutcome
from model.catalog import IN_SCOPE, MIXED, OUT_OF_SCOPE, UNSURE

# The seed tables' own words for the verdicts.
VERDICT_LABEL = {
    "de": {
        IN_SCOPE: "Inklusive",
        OUT_OF_SCOPE: "Out of Scope",
        MIXED: "Teils inklusive, teils Out of Scope",
        UNSURE: "Nicht sicher",
    },
    "en": {
        IN_SCOPE: "In scope",
        OUT_OF_SCOPE: "Out of scope",
        MIXED: "Partly in scope, partly out of scope",
        UNSURE: "Not sure",
    },
}
VERDICT_EMOJI = {
    IN_SCOPE: ":white_check_mark:",
    OUT_OF_SCOPE: ":money_with_wings:",
    MIXED: ":left_right_arrow:",
    UNSURE: ":thinking_face:",
}

STRINGS = {
    "de": {
        "in_scope_line": "Das ist im regulären Support *inklusive*.",
        "out_of_scope_line": "Das liegt *außerhalb* des regulären Supports.",
        "row": "Zeile",
        "product": "Produkt",
        "confidence": "Sicherheit",
        "why": "Ausschlaggebend",
        "unsure_line": "Ich bin mir nicht sicher, ob das im Support-Umfang liegt.",
        "not_covered_line": "Dafür gibt es keine Zeile in den Scope-Tabellen.",
        "mixed_line": "Deine Nachricht enthält mehrere Anliegen, mit unterschiedlicher Antwort:",
        "part": "Anliegen {n}",
        "unsure_handover": "Ein Support-Mitarbeiter schaut sich das an.",
        "unsure_handover_private": "Bitte stell die Frage im Support-Channel, dort übernimmt ein Support-Mitarbeiter.",
        "likely": "Am ehesten",
        "not_a_request": (
            "Das sieht nicht nach einer Support-Anfrage aus. Frag mich z. B. `/scope Wer richtet mir den "
            "Kubernetes-Cluster ein?`"
        ),
        "request_quote": "Angebot anfordern",
        "feedback_prompt": "Stimmt die Einordnung?",
        "feedback_correct": "Stimmt",
        "feedback_wrong": "Falsche Zeile …",
        "feedback_thanks": "Danke! Dein Feedback ist gespeichert.",
        "feedback_thanks_pending": "Danke! Dein Feedback ist gespeichert und wird von einem Reviewer geprüft.",
        "feedback_thanks_flagged": (
            "Danke! Dein Feedback widerspricht einer sicheren Einschätzung des Modells; es zählt erst, "
            "wenn ein Reviewer es bestätigt (App Home oder `scope-bot feedback review`)."
        ),
        "feedback_duplicate": "Dein Feedback zu dieser Antwort war schon gespeichert.",
        "apology": (
            "Entschuldigung, da ist bei mir etwas schiefgegangen. Bitte versuch es gleich noch einmal "
            "oder wende dich an den Support."
        ),
        "truncated": "(gekürzt)",
        "quote_modal_title": "Angebot anfordern",
        "quote_submit": "Absenden",
        "quote_cancel": "Abbrechen",
        "quote_original": "Ursprüngliche Nachricht",
        "quote_detected": "Erkannte Zeile",
        "quote_what": "Was soll gemacht werden?",
        "quote_product": "Produkt",
        "quote_timeline": "Gewünschter Zeitrahmen",
        "quote_contact": "Kontakt (E-Mail oder Telefon)",
        "quote_confirm": (
            "Danke! Deine Angebotsanfrage *{ref}* ist eingegangen. Ein Mitarbeiter prüft die "
            "Durchführbarkeit und meldet sich."
        ),
        "quote_status_changed": "Update zu deiner Angebotsanfrage *{ref}*: {status}.",
        "quote_accepted": (
            "Danke, dass du unser Angebot zu deiner Anfrage *{ref}* angenommen hast! Wir melden uns bei dir, "
            "um die Umsetzung zu planen."
        ),
        "quote_status_staff_only": "Nur Support-Mitarbeiter können den Status einer Angebotsanfrage ändern.",
        "quote_status_already": "Angebotsanfrage *{ref}* ist schon *{status}*{by}. Es wurde nichts geändert.",
        "quote_status_by": " (von {user})",
        "quote_status_not_new": "Eine Angebotsanfrage kann nicht auf „neu“ zurückgesetzt werden.",
        "quote_status_not_allowed": (
            "Eine Angebotsanfrage mit Status *{shown}* kann nicht auf *{status}* gesetzt werden. Es wurde nichts "
            "geändert."
        ),
        "quote_status_invalid": "Dieser Knopf ist ungültig. Es wurde nichts geändert.",
        "quote_status_unverified": (
            "Ich konnte bei Slack nicht prüfen, ob du Angebotsanfragen ändern darfst, daher wurde nichts geändert. "
            "Bitte versuch es gleich noch einmal."
        ),
        "queue_reviewers_only": "Nur Reviewer können die Review-Queue beantworten. Es wurde nichts gespeichert.",
        "queue_invalid": "Diese Nachricht oder Zeile gibt es nicht (mehr). Es wurde nichts gespeichert.",
        "err_what": "Bitte beschreibe in mindestens 10 Zeichen, was gemacht werden soll.",
        "err_timeline": "Bitte gib einen Zeitrahmen an.",
        "err_contact": "Bitte gib eine E-Mail-Adresse oder Telefonnummer an.",
        "err_product": "Bitte wähle ein Produkt.",
        "empty_command": (
            "Schreib hinter `/scope` deine Frage, z. B. `/scope Installiert ihr PyTorch auf meiner GPU-VM?`"
        ),
    },
    "en": {
        "in_scope_line": "This is *included* in regular support.",
        "out_of_scope_line": "This is *outside* regular support.",
        "row": "Row",
        "product": "Product",
        "confidence": "Confidence",
        "why": "Decisive terms",
        "unsure_line": "I'm not sure whether this is in the scope of support.",
        "not_covered_line": "The scope tables have no row for this.",
        "mixed_line": "Your message has several requests, with different answers:",
        "part": "Request {n}",
        "unsure_handover": "A support agent will take a look.",
        "unsure_handover_private": "Please ask in the support channel, where a support agent will pick it up.",
        "likely": "Most likely",
        "not_a_request": (
            "That doesn't look like a support request. Ask me e.g. `/scope Will you set up my Kubernetes cluster?`"
        ),
        "request_quote": "Request a quote",
        "feedback_prompt": "Is this right?",
        "feedback_correct": "Correct",
        "feedback_wrong": "Wrong row …",
        "feedback_thanks": "Thanks! Your feedback is stored.",
        "feedback_thanks_pending": "Thanks! Your feedback is stored and will be checked by a reviewer.",
        "feedback_thanks_flagged": (
            "Thanks! Your feedback contradicts a confident answer of the model, so it counts only once a reviewer "
            "confirms it (App Home or `scope-bot feedback review`)."
        ),
        "feedback_duplicate": "Your feedback on this answer was already stored.",
        "apology": "Sorry, something went wrong on my side. Please try again in a moment or contact support.",
        "truncated": "(truncated)",
        "quote_modal_title": "Request a quote",
        "quote_submit": "Submit",
        "quote_cancel": "Cancel",
        "quote_original": "Original message",
        "quote_detected": "Detected row",
        "quote_what": "What should be done?",
        "quote_product": "Product",
        "quote_timeline": "Desired timeline",
        "quote_contact": "Contact (email or phone)",
        "quote_confirm": (
            "Thanks! Your quote request *{ref}* has been received. A staff member will check its "
            "feasibility and get back to you."
        ),
        "quote_status_changed": "Update on your quote request *{ref}*: {status}.",
        "quote_accepted": (
            "Thanks for accepting our quote for your request *{ref}*! We will get in touch with you to schedule "
            "the work."
        ),
        "quote_status_staff_only": "Only support staff can change the status of a quote request.",
        "quote_status_already": "Quote request *{ref}* is already *{status}*{by}. Nothing was changed.",
        "quote_status_by": " (by {user})",
        "quote_status_not_new": "A quote request cannot be set back to new.",
        "quote_status_not_allowed": (
            "A quote request with status *{shown}* cannot be set to *{status}*. Nothing was changed."
        ),
        "quote_status_invalid": "This button is not valid. Nothing was changed.",
        "quote_status_unverified": (
            "I could not check with Slack whether you may change quote requests, so nothing was changed. "
            "Please try again in a moment."
        ),
        "queue_reviewers_only": "Only reviewers can answer the review queue. Nothing was recorded.",
        "queue_invalid": "That message or row does not exist (any more). Nothing was recorded.",
        "err_what": "Please describe in at least 10 characters what should be done.",
        "err_timeline": "Please give a timeline.",
        "err_contact": "Please give an email address or phone number.",
        "err_product": "Please choose a product.",
        "empty_command": "Type your question after `/scope`, e.g. `/scope Will you install PyTorch on my GPU VM?`",
    },
}

QUOTE_STATUS_LABEL = {
    "de": {
        "new": "neu",
        "feasible": "machbar",
        "quote_sent": "Angebot verschickt",
        "accepted": "angenommen",
        "declined": "abgelehnt",
    },
    "en": {
        "new": "new",
        "feasible": "feasible",
        "quote_sent": "quote sent",
        "accepted": "accepted",
        "declined": "declined",
    },
}


def known_lang(lang: object, *, default: str = "en") -> str:
    """`lang` if the bot speaks it, else `default`: a language read back from a payload is never trusted."""
    return lang if isinstance(lang, str) and lang in STRINGS else default


def status_label(lang: str, status: str) -> str:
    """A quote status for people, in `lang` (English for a language the bot does not speak)."""
    return QUOTE_STATUS_LABEL[known_lang(lang)][status]


def t(lang: str, key: str, **values: str) -> str:
    """The string `key` in `lang` (English fallback), formatted with `values`."""
    text = STRINGS.get(lang, STRINGS["en"])[key]
    return text.format(**values) if values else text


def percent(probability: float) -> str:
    """A confidence for people: rounded, but never "100%", which a model cannot honestly claim."""
    return f"{min(round(probability * 100), 99)}%"


def escape(text: str) -> str:
    """Escape &, < and > so echoed user text can never become a mention, @channel or link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Slack's mrkdwn markers: *bold*, _italic_, ~strike~, `code` and ``` fences.
_MARKERS = str.maketrans({c: f"\u200b{c}\u200b" for c in "*_~`"})


def neutralize(text: str) -> str:
    """Text whose mrkdwn markers show as typed: a zero-width space on each side of every *, _, ~ and `, so no
    pair of them formats anything and no fence can close a code block (invisible when read, kept when copied)."""
    return text.translate(_MARKERS)


def echo(text: str) -> str:
    """User text for a mrkdwn field: escaped (no mention, @channel or link) and neutralized (no formatting)."""
    return neutralize(escape(text))


def excerpt(text: str, *, limit: int, lang: str) -> str:
    """Slack message text on one line, cut to `limit` characters, for echoing in a reply (see echo).

    Slack delivers &, < and > already as entities; they are decoded first so they are escaped exactly once.
    """
    text = " ".join(html.unescape(text).split())
    if len(text) > limit:
        text = text[:limit].rstrip() + " … " + t(lang, "truncated")
    return echo(text)


def feedback_reply(outcome: FeedbackOutcome) -> str:
    """What a user is told after giving feedback on an answer."""
    if not outcome.created:
        return t(outcome.lang, "feedback_duplicate")
    if not outcome.trusted:
        return t(outcome.lang, "feedback_thanks_pending")
    return t(outcome.lang, "feedback_thanks_flagged" if outcome.item.flagged else "feedback_thanks")
