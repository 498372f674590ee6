"""The demo programme that `make run` seeds: people, referrals and cases played through the services.

Apart from the product: it builds on every app through their services, and no product app imports it.
"""
