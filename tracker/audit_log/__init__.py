"""The audit log page: who did what, read by the administrator of a ward."""
