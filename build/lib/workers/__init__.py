"""arq workers: deliveries and scheduled jobs. They call the domain services, never the handlers."""
