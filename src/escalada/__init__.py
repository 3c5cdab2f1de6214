"""escalada: coordinates support escalations."""

__version__ = "0.1.0"
