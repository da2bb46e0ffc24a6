"""Business logic of this app: every write and every decision goes through here."""
