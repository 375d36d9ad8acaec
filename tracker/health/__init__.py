"""Is this app server fit to serve: /healthz for load balancers and monitoring."""
