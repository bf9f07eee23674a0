"""The bot's web server: Slack's HTTP endpoint, the agenda pages and calendar feeds, health."""
