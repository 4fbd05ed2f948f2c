"""Every table module, imported so `SQLModel.metadata` knows them all (Alembic, tests). Add new ones here."""

import models.audit
import models.documents
import models.notifications
import models.projection
import models.registry  # noqa: F401
