"""Process models and their deployed versions; a version stores its BPMN, spec and forms once."""
import json
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ..people.models import User


class ProcessModel(Base):
    __tablename__ = "process_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list["ProcessModelVersion"]] = relationship(
        back_populates="process_model", order_by="ProcessModelVersion.version")

    @property
    def latest_version(self):
        return self.versions[-1] if self.versions else None


class ProcessModelVersion(Base):
    __tablename__ = "process_model_versions"
    __table_args__ = (UniqueConstraint("process_model_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_model_id: Mapped[int] = mapped_column(ForeignKey("process_models.id"))
    version: Mapped[int]
    checksum: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = deferred(mapped_column(Text))
    spec_json: Mapped[str] = deferred(mapped_column(Text))
    forms_json: Mapped[str] = deferred(mapped_column(Text))
    user_tasks_json: Mapped[str] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(String(500))
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Deployed before domain operations had names: its tasks keep the rules their ids had (named_operations/binding)
    rules_by_task_id: Mapped[bool] = mapped_column(default=False, server_default=false())

    process_model: Mapped[ProcessModel] = relationship(back_populates="versions")
    deployed_by: Mapped[User | None] = relationship()

    @property
    def user_tasks(self):
        """The model's user tasks as deployed: [{id, name, lane, form, ui_form}]."""
        return json.loads(self.user_tasks_json)

    @property
    def user_tasks_in_flow_order(self):
        """The user tasks in the order a case meets them (engine.flow_order), not the order the file lists them."""
        from ..engine import flow_positions
        order = flow_positions(self.bpmn_xml)
        return sorted(self.user_tasks, key=lambda task: order.get(task.get("element") or task["id"], len(order)))

    @property
    def engine_key(self):
        return f"pmv:{self.id}"
