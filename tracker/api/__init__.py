"""The JSON API (/api/v1) and its OpenAPI description: see tracker.api.base."""
