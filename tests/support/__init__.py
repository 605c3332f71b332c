"""Helpers the tests share: database set-up, histories, the reference model, Grafana's macros."""
