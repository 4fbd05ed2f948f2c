"""Registry tables, the case projection and the wire schemas.

Kept import-light on purpose: workflow code imports `models.cases` (pure pydantic) through the sandbox, so this
package's `__init__` must not pull in SQLAlchemy.
"""
