"""SQLAlchemy dialect ``hfsql+pyodbc`` for PC SOFT's HFSQL (Gestan's database), see docs/hfsql.md.

Registered through the ``sqlalchemy.dialects`` entry points ``hfsql`` and ``hfsql.pyodbc``; in code,
``sqlalchemy.dialects.registry.register("hfsql.pyodbc", "amazon_addin.hfsql.pyodbc", "HFSQLDialect_pyodbc")``
does the same.
"""

from .base import CURRENCY, HFSQLDialect

__all__ = ["CURRENCY", "HFSQLDialect"]
