"""``llmbench view``: the stored runs in a browser, served read-only on 127.0.0.1 (standard library only)."""
