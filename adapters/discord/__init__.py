"""Discord adapter (discord.py 2.x): slash commands `/news …` and digests as embeds."""
