"""Mail: accounts, folders, letters, the outbox, signatures, sorting rules and the auto-responder."""
