"""Grafana provisioning and dashboards (built by build.py)."""
