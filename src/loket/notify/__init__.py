"""Notifications: the outbox (written in the event's transaction), messages, channels, delivery."""
