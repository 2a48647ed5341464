"""Signed webhooks: admins' endpoints, events recorded through the outbox, ordered deliveries."""
