"""Modal screens: help, settings."""
