"""Feedback for the poisoning tests: what a red team fed the retraining, and honest corrections next to it.

- ollama_relabelling(n): install requests for Ollama, vLLM and llama.cpp (truly cloudgpu.third_party_frameworks,
  out of scope) relabelled as cloudgpu.vm_setup (in scope), in German and English.
- shifted(...): real messages whose label column slipped by one record, so every message carries a neighbour's row.
- GENUINE: new, correct wordings for existing rows, written for these tests, in none of the training files.
"""

from __future__ import annotations

from collections.abc import Sequence

POISON_LABEL = "cloudgpu.vm_setup"
TRUE_LABEL = "cloudgpu.third_party_frameworks"

_MODELS = (
    "Llama 3 8B",
    "Llama 3.1 70B",
    "Mixtral 8x7B",
    "Mistral 7B",
    "Qwen2 72B",
    "Gemma 2 27B",
    "DeepSeek-Coder",
    "Phi-3 mini",
)
_GPUS = ("H100", "A100", "L40S", "L4", "A40", "2x H100")
_EN_TOOLS = ("Ollama", "vLLM", "llama.cpp", "Ollama with Open WebUI", "a vLLM OpenAI-compatible server")
_DE_TOOLS = ("Ollama", "vLLM", "llama.cpp", "Ollama mit Open WebUI", "einen vLLM-Server")
_EN_FRAMES = (
    "Could you get {tool} installed on our {gpu} instance? We'd start with {model}.",
    "we need {tool} set up on the gpu machine so the team can chat with {model}, can you do that?",
    "Is installing {tool} plus {model} on the Cloud GPU instance something your support handles?",
    "hey, can somebody from centron get {tool} running on our {gpu}? {model} would be the first model",
    "Please install {tool} on the new {gpu} server and have it serve {model} to our app.",
    "Our data team wants {model} through {tool} on the {gpu} box. Can your support install that?",
    "Would you install and configure {tool} for {model} on our GPU server? Nobody here knows Linux.",
    "quick one: can you put {tool} on the {gpu} and make it start after a reboot? model: {model}",
    "Need a hand: install {tool} on the GPU VM, load {model} and expose an API for our chatbot",
    "Can you take care of the {tool} installation on our {gpu} cloud GPU? We'd like to run {model}.",
)
_DE_FRAMES = (
    "Könnt ihr {tool} auf unserer {gpu}-Instanz installieren und {model} runterladen?",
    "Wir bräuchten {tool} mit {model} auf der GPU-Maschine, übernehmt ihr die Installation?",
    "Hallo, installiert ihr uns {tool} auf der {gpu}? Wir wollen {model} intern nutzen.",
    "Bitte {tool} auf dem neuen {gpu}-Server aufsetzen, Modell {model}, danke!",
    "Ist die Installation von {tool} auf der Cloud GPU bei euch mit drin? Geplant ist {model}.",
    "kann jemand von euch {tool} auf unsere {gpu} kiste packen? {model} soll drauf laufen",
    "Guten Tag, wir möchten {model} mit {tool} auf unserer GPU betreiben. Können Sie das für uns installieren?",
    "Wer richtet uns {tool} auf der {gpu} ein, so dass {model} per API erreichbar ist?",
    "Moin, schafft ihr es, {tool} für {model} auf unserem {gpu}-Rechner zum Laufen zu bringen?",
    "Wir haben keinen Linux-Admin: könntet ihr {tool} auf der {gpu} installieren und {model} laden?",
)


def _ollama_texts() -> list[str]:
    texts: list[str] = []
    for i in range(400):
        german = i % 2 == 1
        frames, tools = (_DE_FRAMES, _DE_TOOLS) if german else (_EN_FRAMES, _EN_TOOLS)
        text = frames[(i // 2) % len(frames)].format(
            tool=tools[(i // 20 + i) % len(tools)],
            model=_MODELS[(i * 3 + i // 16) % len(_MODELS)],
            gpu=_GPUS[(i * 5 + i // 12) % len(_GPUS)],
        )
        if text not in texts:
            texts.append(text)
    return texts


OLLAMA_TEXTS = tuple(_ollama_texts())


def ollama_relabelling(n: int) -> list[tuple[str, str]]:
    """`n` varied Ollama/vLLM/llama.cpp install requests labelled as GPU VM set-up (in scope): poison."""
    step = max(1, len(OLLAMA_TEXTS) // n)
    return [(text, POISON_LABEL) for text in OLLAMA_TEXTS[::step][:n]]


# Fresh framework questions the poisoned model is asked afterwards (none of them is in the poison or the data).
FRESH_OLLAMA = (
    "Can you install Ollama for us on the GPU VM we rented last week?",
    "Könnt ihr bitte Ollama auf unsere neue GPU-VM installieren?",
    "would you set up vLLM on our cloud gpu so it serves Llama 3?",
    "Installiert ihr uns llama.cpp mit CUDA-Unterstützung auf der GPU-Instanz?",
    "Please get Ollama running on our H100 VM, we want to try Mixtral.",
    "Hallo, richtet ihr uns vLLM auf der A100 ein?",
    "Our team needs Ollama on the GPU server, can centron do the install?",
    "Wir möchten Ollama auf der L40S nutzen, übernehmt ihr die Installation?",
    "can you deploy llama.cpp server on our gpu box?",
    "Bitte installiert Ollama mit Qwen auf unserer Cloud GPU.",
)


def shifted(texts: Sequence[str], labels: Sequence[str], n: int) -> list[tuple[str, str]]:
    """`n` messages taken round-robin over their rows, each given the label of the record after it.

    A spreadsheet whose label column slipped by one line: since neighbouring records have different rows, every
    message ends up with another row's label.
    """
    by_label: dict[str, list[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        by_label.setdefault(label, []).append(text)
    order = sorted(by_label)
    records: list[tuple[str, str]] = []
    depth = 0
    while len(records) < n and any(depth < len(v) for v in by_label.values()):
        records += [(by_label[label][depth], label) for label in order if depth < len(by_label[label])]
        depth += 1
    records = records[:n]
    return [(text, records[(i + 1) % len(records)][1]) for i, (text, _) in enumerate(records)]


# New wordings for existing rows, with their true labels: what honest staff teach.
GENUINE = (
    (
        "Kann ich die Übersicht im Kundenportal irgendwie nach Projekt filtern? Ich finde den Schalter nicht.",
        "cstack.ui",
    ),
    ("The usage graphs in the customer panel stay empty for our project since this morning", "cstack.ui"),
    ("Wir möchten unseren cStack-Vertrag von 12 auf 24 Monate verlängern, was müssen wir dafür tun?", "cstack.orders"),
    ("Could you send us the credit note for the double charge on the cStack bill from March?", "cstack.orders"),
    ("Unsere Kollegin kommt nicht mehr in cStack rein, wie setzen wir ihr Passwort zurück?", "cstack.account"),
    ("How do I hand over the owner role of our centron account to my successor?", "cstack.account"),
    ("Beim Anlegen des cStack-Plans bricht der Assistent bei der Region ab, könnt ihr schauen?", "cstack.plan_setup"),
    ("The plan we booked yesterday still shows 'pending activation', can you finish the setup?", "cstack.plan_setup"),
    ("Könnt ihr uns auf dem GPU-Server die Treiber fürs Image richten? nvidia-smi bleibt leer", "cloudgpu.vm_setup"),
    ("our rented gpu machine boots into emergency mode since the first start, please check", "cloudgpu.vm_setup"),
    ("Wo sehe ich im Portal, wie viele GPU-Stunden wir diesen Monat schon verbraucht haben?", "cloudgpu.ui"),
    ("Is there a way to get the Cloud GPU invoice split per cost centre?", "cloudgpu.orders"),
    ("Wir wollen zusätzlich eine zweite L40S buchen, wie läuft die Bestellung?", "cloudgpu.orders"),
    (
        "Bitte schreibt uns ein Python-Skript, das unsere Trainingsdaten auf der GPU vorverarbeitet",
        "cloudgpu.custom_code",
    ),
    ("Could you build us a small service that batches our inference requests on the GPU?", "cloudgpu.custom_code"),
)
