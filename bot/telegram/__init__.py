"""The Telegram edge: the only package that imports `telegram`."""
