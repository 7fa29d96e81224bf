"""Veneer: a self-hostable headless CMS that speaks Contentstack's REST APIs."""

__version__ = "0.1.0"
