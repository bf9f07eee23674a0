"""Adapters: each turns its platform's messages into core Requests and renders core Replies."""
