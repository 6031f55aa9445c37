"""The clinic's staff console: follow-ups, conversations, insights and the clinical review sheet.

A Sanic app served on loopback beside the assistant (`python -m console`, `make console`); it shares
the tickets' SQL database for its own tables (accounts, sessions, audit log) and reads the Rasa
tracker store read-only.
"""
