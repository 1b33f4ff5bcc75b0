"""The domain: triage, quotes, feedback, retraining. Plain values in and out; nothing of Slack."""
