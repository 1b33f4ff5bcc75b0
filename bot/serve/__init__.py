"""Running the bot: gunicorn (HTTP) or Socket Mode, live model reload, background tasks."""
