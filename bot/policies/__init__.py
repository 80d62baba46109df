"""Policies: the store, question answering, enterprises, eligibility, recommendation and push."""
