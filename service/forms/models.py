"""Designers' form drafts: every save of a form kept, with who saved it and when (the newest is the draft)."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime
from ..people.models import User


class FormDraft(Base):
    __tablename__ = "form_drafts"
    __table_args__ = (UniqueConstraint("name", "revision"),)  # two saves on one revision: the second loses

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))  # the schema's file name, as models name it
    revision: Mapped[int]  # 1, 2, … per name; 0 stands for the bundled file, never stored
    schema_text: Mapped[str] = mapped_column(Text)
    ui_text: Mapped[str] = mapped_column(Text)
    saved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)

    saved_by: Mapped[User] = relationship(viewonly=True)
