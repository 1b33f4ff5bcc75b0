"""The WSGI app that gunicorn serves, called with signed requests as WSGI environs."""

import json

import pytest

from bot.serve.http import make_wsgi_app
from tests.support.slack_requests import command_body, signed_environ

FORM = "application/x-www-form-urlencoded"


def post(runtime, body: str) -> tuple[str, bytes]:
    """POST a signed form body to /slack/events through the WSGI app; (status line, response body)."""
    environ = signed_environ(body, content_type=FORM)
    answer = {}

    def start_response(status, _headers, _exc_info=None):
        answer["status"] = status

    data = b"".join(make_wsgi_app(runtime)(environ, start_response))
    return answer["status"], data


@pytest.mark.parametrize(
    "text",
    [
        # Bolt's own form parser reads any body containing "payload" as an interaction, and finds none in it.
        "Our webhook payload never reaches the app on the GPU VM, can you set up the Ollama API for it?",
        "payload=",
    ],
)
def test_a_scope_command_is_answered_with_a_verdict_whatever_words_its_text_holds(runtime, fake, text):
    status, data = post(runtime, command_body(text, response_url=f"{fake.api_url}/response/1"))
    assert status == "200 OK"
    answer = json.loads(data)
    assert answer["response_type"] == "ephemeral" and answer["blocks"]
    assert "payload" in json.dumps(answer["blocks"])  # the request, echoed
