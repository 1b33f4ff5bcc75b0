"""The Slack adapter: Bolt app, listeners, Block Kit, texts, outbox delivery. Calls bot.services."""
