"""What readers read: each published article's COUNTER figures per month (journal/services/usage.py fills them).

Views and downloads never write here while a reader waits: they are appended to a buffer (journal/usage_buffer.py)
and `flask journal flush-usage` moves them here in batches, applying the COUNTER Release 5 rules. Each flushed batch
leaves a `UsageBatch` row in the same transaction as its counts, so a flush that stops half way is finished later
without counting anything twice.
"""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from journal.extensions import db
from journal.models.base import UTCDateTime, utcnow

# The month of the counts made before COUNTER counting (migration 0020): views and downloads of an unknown month,
# neither filtered for robots and double clicks nor unique.
BEFORE_COUNTER = date(1900, 1, 1)


class ArticleUsage(db.Model):
    """One article's COUNTER R5 metrics in one month (§3.3.4: views are investigations; downloads are requests,
    and investigations too)."""

    __tablename__ = "article_usage"
    __table_args__ = (
        CheckConstraint("unique_item_investigations <= total_item_investigations", name="unique_investigations"),
        CheckConstraint("unique_item_requests <= total_item_requests", name="unique_requests"),
        CheckConstraint("total_item_requests <= total_item_investigations", name="requests_are_investigations"),
    )

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True, index=True)  # the first day of the month
    total_item_investigations: Mapped[int] = mapped_column(Integer, default=0)
    unique_item_investigations: Mapped[int] = mapped_column(Integer, default=0)
    total_item_requests: Mapped[int] = mapped_column(Integer, default=0)
    unique_item_requests: Mapped[int] = mapped_column(Integer, default=0)


class UsageBatch(db.Model):
    """A batch of buffered events that has been counted: the events before `cutoff` were counted, the later ones
    go back to the buffer."""

    __tablename__ = "usage_batches"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime)
    events: Mapped[int] = mapped_column(Integer)
    counted: Mapped[int] = mapped_column(Integer)
    flushed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
