"""Slack: slash commands, buttons, modals and the App Home, over signed HTTP or Socket Mode."""
