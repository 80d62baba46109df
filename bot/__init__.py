"""@沈阳营商 assistant: the application package (everything that is not Rasa glue)."""
