"""Maintenance tools for the book: executing notebooks, the student edition, timings."""
