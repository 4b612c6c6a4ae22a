"""Bundled demo data: three invented feeds (`sample:NAME` URLs) and the default config.

The feeds are written for newsbot and describe no real events. Their dates are
placeholders (`{{ago:2h}}`, `{{now}}`) that `bot.feeds.sample.SampleFetcher` fills in
relative to the moment of the fetch, so the demo always looks current.
"""
