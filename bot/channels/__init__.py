"""Rasa plug-ins, the only modules in bot/ that import Rasa: the WeChat input channel, the bounded SQL tracker store."""
