"""Thin rasa-sdk actions: read slots, call bot/, render replies."""
