"""Block Kit builders by surface (verdict replies, help and tables, quote requests, App Home); ids in ids.py."""
