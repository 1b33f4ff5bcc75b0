"""Slack-facing commands (serve, run, quotes); filled in by the Slack bot."""


def register(sub):
    """Placeholder until the bot lands."""
