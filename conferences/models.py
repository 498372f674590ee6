"""Conferences and circles, their participants, agreements and reminders (built in a later step)."""
