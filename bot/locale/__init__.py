"""gettext catalogs (`<lang>/LC_MESSAGES/newsbot.po`), read by `bot.core.i18n`.

A package of its own so `importlib.resources` can anchor on it in every kind of install.
"""
