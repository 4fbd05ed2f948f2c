"""Every table module, imported so `SQLModel.metadata` knows them all (Alembic, tests). Add new ones here."""

import models.audit
import models.calendar_years
import models.campaign_records
import models.classification
import models.documents
import models.files
import models.ledger
import models.notifications
import models.projection
import models.registry
import models.rights  # noqa: F401
