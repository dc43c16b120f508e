"""Desk: the officer's case desk. This package is the Qt-free core."""

__version__ = "0.1.0"
