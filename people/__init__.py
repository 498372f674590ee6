"""People and organisations: the ground floor every app builds on (see people/models.py)."""
