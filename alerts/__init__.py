"""Alerts: keyword rules, one-pass matching, digest building and delivery."""
