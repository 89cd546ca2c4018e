"""The api service: recent alerts (materialised from the alerts topic), health and metrics."""
