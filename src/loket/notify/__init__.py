"""Notifications, without the database: the outbox rows of each event, the message templates and
the channels (e-mail, SMS/WhatsApp gateway). Services queue the rows (services/notifications.py)
and run the delivery loop (services/delivery.py); the outbox SQL is in store/outbox_repo.py."""
