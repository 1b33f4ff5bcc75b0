# scope-bot: `scope-bot serve` (gunicorn, 2 workers, plus the responder) on port 3000.
#
#   docker build -t scope-bot:0.1.0 .
#   docker run --env-file scope-bot.env -p 3000:3000 -v scope-bot-data:/var/lib/scope-bot scope-bot:0.1.0
#
# The base is pinned by tag only: its digest could not be looked up where this file was written (no registry
# access); pin `python:3.11-slim@sha256:…` where you build. Dependencies are the project's own `==` pins in
# pyproject.toml (runtime + the postgres extra, no dev tools); their transitive dependencies resolve at build time.
FROM python:3.11-slim

LABEL org.opencontainers.image.title="scope-bot" \
      org.opencontainers.image.description="Slack helpdesk triage bot for centron's Scope of Support" \
      org.opencontainers.image.version="0.1.0"

# The project is installed as a package (not editable), so its training data is named explicitly. Everything the
# bot writes lives below /var/lib/scope-bot, as with the systemd units: mount a volume there (Kubernetes sets
# SCOPE_BOT_DB to a postgresql:// URL from its Secret). matplotlib (the report chart) needs a writable config
# directory: /tmp stays writable under a read-only root filesystem (an emptyDir in deploy/k8s).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/scope-bot/.venv/bin:$PATH \
    SCOPE_BOT_DATA_DIR=/opt/scope-bot/training_data \
    SCOPE_BOT_DB=/var/lib/scope-bot/scope-bot.db \
    SCOPE_BOT_MODEL_DIR=/var/lib/scope-bot/models \
    SCOPE_BOT_REPORTS_DIR=/var/lib/scope-bot/reports \
    MPLCONFIGDIR=/tmp/matplotlib

# A fixed uid/gid, the one deploy/k8s runs as (runAsUser: 10001).
RUN groupadd --system --gid 10001 scope-bot \
    && useradd --system --uid 10001 --gid scope-bot --home-dir /var/lib/scope-bot --no-create-home \
       --shell /usr/sbin/nologin scope-bot \
    && install -d -o scope-bot -g scope-bot -m 0750 /var/lib/scope-bot

WORKDIR /opt/scope-bot

# Code and packaging metadata first, the training data after: editing a phrasing does not reinstall everything.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY model ./model
RUN python -m venv /opt/scope-bot/.venv \
    && /opt/scope-bot/.venv/bin/pip install --no-cache-dir ".[postgres]" \
    && rm -rf build ./*.egg-info
COPY training_data ./training_data

USER 10001:10001

# The first model is trained at build time: the image answers as soon as it starts, and a build whose code or
# training data cannot produce a model that passes the gate fails here, not in production. The throwaway
# SQLite file only holds the (empty) feedback tables of this one run. A volume mounted on /var/lib/scope-bot
# hides this model: a Docker named volume is seeded with it on first use. deploy/k8s mounts nothing there: with
# models in PostgreSQL, the initContainer publishes this one as the database's first (`train --if-missing`; it
# trains anew if the model does not verify, e.g. under a SCOPE_BOT_MODEL_KEY the build did not have).
RUN SCOPE_BOT_DB=/tmp/build.db scope-bot train \
    && rm -f /tmp/build.db /tmp/build.db-wal /tmp/build.db-shm

EXPOSE 3000

# /healthz answers 200 while the server serves (also when `degraded`), so only a dead or hung server fails this.
# python's urllib: the slim image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]

ENTRYPOINT ["/opt/scope-bot/.venv/bin/scope-bot"]
CMD ["serve", "--port", "3000"]
