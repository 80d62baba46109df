"""Rasa plug-ins, the only modules in bot/ that import Rasa: the WeChat input channel, the bounded
SQL tracker store. Rasa imports this package for either; it then checks action server responses
with a validator built once (bot/channels/action_results.py)."""
from bot.channels import action_results

action_results.install()
