"""The audit trail: every write records who did it (services.record), read on the audit log page."""
