"""Splitting a message into the requests it may contain; every part is a verbatim span."""

from model.classifier import _Normalized
from model.segment import _OPENERS, OPENER_LETTERS, requests, segment


def parts(text):
    return [text[s.start : s.end] for s in requests(text, segment(text), is_request=_Normalized().asks)]


def test_a_single_request_stays_one_part():
    for text in [
        "Wer installiert mir PyTorch auf der GPU-VM?",
        "Bitte z. B. PyTorch und TensorFlow installieren.",
        "Unser Projekt ist noch nicht freigeschaltet. Die Kontingente stehen auf 0.",
        "Die Rechnung vom 30.06. ist doppelt gekommen, könnt ihr das prüfen?",
        "Hi! Can you reset my 2FA? Thanks!",
        "Könnt ihr uns das VPN einrichten, inkl. Routen? Gern mit Angebot, evtl. auch bspw. mit Wartung.",
        "Im Portal lässt sich kein SSH-Key hinterlegen, Fehler 'format'. Könnt ihr das prüfen? cc <@U02ABC123>",
        "The console shows an empty page after login. Could you check? cc <!subteam^S01|@ops> <#C01|support>",
    ]:
        assert parts(text) == [text], text


def test_bullet_items_are_parts():
    text = "Two things:\n• our plan's floating IP pool only has 2 addresses\n• please create a router for our net"
    assert parts(text) == [
        "Two things:\n• our plan's floating IP pool only has 2 addresses",
        "please create a router for our net",
    ]
    numbered = "1) Im Portal fehlt der Button für die Konsole\n2) Könnt ihr Jupyter mit GPU-Kernel installieren?"
    assert parts(numbered) == [
        "Im Portal fehlt der Button für die Konsole",
        "Könnt ihr Jupyter mit GPU-Kernel installieren?",
    ]


def test_ps_and_connectors_start_a_new_part():
    assert parts("Wir wollen den Plan von S auf M hochstufen.\nP.S. Legt ihr uns dann drei Worker-Nodes an?") == [
        "Wir wollen den Plan von S auf M hochstufen.",
        "P.S. Legt ihr uns dann drei Worker-Nodes an?",
    ]
    assert parts(
        "nvidia-smi findet auf der neuen VM keine GPU. Außerdem bräuchten wir Hilfe beim Trainingsskript."
    ) == [
        "nvidia-smi findet auf der neuen VM keine GPU.",
        "Außerdem bräuchten wir Hilfe beim Trainingsskript.",
    ]
    assert parts("I can't log into ccenter since Monday, and we also need someone to add DNS records for our shop") == [
        "I can't log into ccenter since Monday",
        "and we also need someone to add DNS records for our shop",
    ]
    assert parts("the invoice has the old VAT id btw could you deploy two more VMs for us") == [
        "the invoice has the old VAT id",
        "btw could you deploy two more VMs for us",
    ]


def test_an_abbreviation_is_a_whole_word_not_a_words_ending():
    # "min." and "b." are abbreviations; "admin." and "job." end a sentence.
    assert parts("Bitte legt uns einen Nutzer für den Admin. Könnt ihr außerdem den Cron-Job neu starten?") == [
        "Bitte legt uns einen Nutzer für den Admin.",
        "Könnt ihr außerdem den Cron-Job neu starten?",
    ]
    single = "Wir brauchen mind. 4 vCPUs (inkl. GPU) und max. 2 Volumes im Plan, könnt ihr das setzen?"
    assert parts(single) == [single]


def test_two_questions_are_two_parts_but_a_question_after_a_report_is_not():
    assert parts("Wie ändere ich meine Rechnungsadresse? Könnt ihr uns außerdem ein VPN bauen?") == [
        "Wie ändere ich meine Rechnungsadresse?",
        "Könnt ihr uns außerdem ein VPN bauen?",
    ]
    report = "Die Oberfläche hängt beim Anlegen eines API-Tokens, das Rädchen dreht nur. Könnt ihr das prüfen?"
    assert parts(report) == [report]


def test_a_short_sentence_that_points_back_joins_the_request_it_points_at():
    for text in [
        "Wir möchten ein Site-to-Site-VPN zu unserem Büro. Macht ihr sowas im Rahmen der Einrichtung mit?",
        "We need a Kubernetes cluster with three nodes. Is that included in our plan?",
        "Könnt ihr uns Ollama auf der GPU-VM installieren? Oder kostet das extra?",
    ]:
        assert parts(text) == [text], text
    # "das" before a noun is an article: a second request of its own.
    assert parts("Wie ändere ich meine Rechnungsadresse? Könnt ihr das Netzwerk bauen?") == [
        "Wie ändere ich meine Rechnungsadresse?",
        "Könnt ihr das Netzwerk bauen?",
    ]


def test_code_blocks_are_never_split_nor_a_part_of_their_own():
    text = "pip install fails on the H100:\n```\nERROR. foo\n\nbar. baz\n```\nplease help. thanks"
    assert parts(text) == [text]
    log = 'Our terraform for the app nodes:\n\n```hcl\nresource "x" {\n  count = 6\n}\n```\n\nCan you deploy it for us?'
    assert parts(log) == [log]


def test_lettered_lists_line_breaks_and_more_connectors_start_parts():
    lettered = "Hi, a few things:\na) remove Max from the centron account\nb) delete his user on our Linux servers"
    assert parts(lettered) == [
        "Hi, a few things:\na) remove Max from the centron account",
        "delete his user on our Linux servers",
    ]
    assert parts(
        "Invoice 311 lists too many GPU hours, please check. Also our Stripe webhook on the VM never fires"
    ) == [
        "Invoice 311 lists too many GPU hours, please check.",
        "Also our Stripe webhook on the VM never fires",
    ]
    assert parts("Unser Tarif läuft im Mai aus, bitte verlängern.\nWeiterhin bräuchten wir Hilfe mit dem AD.") == [
        "Unser Tarif läuft im Mai aus, bitte verlängern.",
        "Weiterhin bräuchten wir Hilfe mit dem AD.",
    ]
    one = "Die Quota im Projekt ist 0 – plus unser nginx im Cluster liefert 502"
    assert parts(one) == ["Die Quota im Projekt ist 0", "plus unser nginx im Cluster liefert 502"]


def test_a_paragraph_that_only_tells_joins_the_one_that_asks_but_two_asking_paragraphs_stay_two():
    report = (
        "Servus,\n\nunser neuer Plan ist seit gestern aktiv, aber es gibt kein externes Netz:\n\n"
        "```\n$ openstack network list --external\n(leer)\n```\n\n"
        "Könnt ihr das externe Netz für unser Projekt nachziehen?"
    )
    assert parts(report) == [report]
    two = "Könnt ihr die Quotas unseres Plans auf 64 vCPUs setzen?\n\nUnd könnt ihr uns danach drei VMs anlegen?"
    assert parts(two) == [
        "Könnt ihr die Quotas unseres Plans auf 64 vCPUs setzen?",
        "Und könnt ihr uns danach drei VMs anlegen?",
    ]
    asks_twice = "Where do I change the invoice address?\n\nCan you build us a site-to-site VPN?"
    assert parts(asks_twice) == ["Where do I change the invoice address?", "Can you build us a site-to-site VPN?"]


def _first_letters(items) -> set[str]:
    """The characters a parsed pattern (re._parser's tree) can start with; "" if it can match empty."""
    first: set[str] = set()
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            return first | {chr(av).lower()}
        if name == "IN":
            return first | {chr(c).lower() for kind, c in av if str(kind) == "LITERAL"} | {"?"}
        if name == "BRANCH":
            for branch in av[1]:
                first |= _first_letters(branch)
            return first if "" not in first else (first - {""}) | _first_letters(items[1:])
        if name == "SUBPATTERN":
            inner = _first_letters(av[3])
            if "" not in inner:
                return first | inner
            first |= inner - {""}
            continue
        if name in ("MAX_REPEAT", "MIN_REPEAT"):
            inner = _first_letters(av[2])
            first |= inner - {""}
            if av[0] > 0 and "" not in inner:
                return first
            continue
        if name == "AT":
            continue
        return first | {"?"}  # anything else (any character, a category): the guard would have to allow it
    return first | {""}


def test_every_opener_starts_with_a_letter_the_connector_guard_allows():
    import re._parser

    letters = _first_letters(list(re._parser.parse(_OPENERS)))
    assert letters <= set(OPENER_LETTERS), sorted(letters - set(OPENER_LETTERS))
    assert set(OPENER_LETTERS) <= letters  # no letter in the guard that no opener needs
