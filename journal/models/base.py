"""Column helpers shared by the models."""

import enum
from datetime import UTC, datetime

from flask_babel import gettext
from sqlalchemy import DateTime, Enum, TypeDecorator


def N_(message: str) -> str:
    """Marks a message for the catalogs where it is defined; it is translated where it is shown (gettext)."""
    return message


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone, so we add it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use journal.models.base.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class LabelledEnum(enum.StrEnum):
    """A choice stored as its value, shown by its label in the reader's language (labels are marked N_("…") for
    the catalogs and translated when read)."""

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.source_label = label
        return member

    @property
    def label(self) -> str:
        return gettext(self.source_label)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A VARCHAR with a CHECK constraint, portable across SQLite and PostgreSQL."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
