"""Slack adapter: Block Kit rendering, the Bolt app against a fake Slack Web API."""
