"""Policies shipped with escalada (data files)."""
