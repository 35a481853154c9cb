from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from journal.extensions import db
from journal.models import Journal, Membership, OutboxMessage, OutboxStatus, Role, User
from journal.permissions import permission
from journal.services import admin as admin_service
from journal.services import journals as journal_service
from journal.services.errors import DomainError
from journal.web.admin.forms import JournalCreateForm
from journal.web.helpers import show_error

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@permission("admin")
def index():
    journals = db.session.scalars(select(Journal).order_by(Journal.title)).all()
    managers = {}
    for journal_id, name in db.session.execute(
        select(Membership.journal_id, User.given_name + " " + User.family_name)
        .join(User).where(Membership.role == Role.MANAGING_EDITOR).order_by(User.family_name)
    ):
        managers.setdefault(journal_id, []).append(name)
    return render_template("admin/index.html", journals=journals, managers=managers)


@bp.route("/journals/new", methods=["GET", "POST"])
@permission("admin")
def new_journal():
    form = JournalCreateForm()
    if form.validate_on_submit():
        try:
            journal = journal_service.create_journal(
                current_user, slug=form.slug.data, title=form.title.data,
                reference_prefix=form.reference_prefix.data, review_mode=form.review_mode.data,
                publisher=form.publisher.data or "", description=form.description.data or "",
            )
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("%(journal)s is created. Appoint its managing editor now.", journal=journal.title), "success")
            return redirect(url_for("manage.members", slug=journal.slug))
    return render_template("admin/journal_new.html", form=form)


@bp.get("/users")
@permission("admin")
def users():
    q = (request.args.get("q") or "").strip()
    query = select(User).order_by(User.family_name, User.given_name).limit(100)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(User.email.like(like), func.lower(User.family_name).like(like),
                                func.lower(User.given_name).like(like)))
    return render_template("admin/users.html", users=db.session.scalars(query).all(), q=q)


@bp.post("/users/<int:user_id>/<flag>/<value>")
@permission("admin")
def set_user_flag(user_id: int, flag: str, value: str):
    user = db.session.get(User, user_id)
    if user is None or flag not in ("active", "is_platform_admin") or value not in ("on", "off"):
        abort(404)
    try:
        admin_service.set_user_flags(current_user, user, **{flag: value == "on"})
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("%(name)s: saved.", name=user.full_name), "success")
    return redirect(url_for("admin.users", q=request.args.get("q", "")))


@bp.get("/outbox")
@permission("admin")
def outbox():
    status = request.args.get("status") or None
    if status and status not in OutboxStatus._value2member_map_:
        abort(404)
    before = request.args.get("before", type=int)
    messages, next_before = admin_service.outbox_page(status=status, before_id=before)
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return render_template("admin/outbox.html", messages=messages, next_before=next_before, status=status,
                           counts=counts, statuses=list(OutboxStatus))


@bp.get("/outbox/<int:message_id>")
@permission("admin")
def outbox_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("admin/outbox_message.html", message=message)


@bp.post("/outbox/<int:message_id>/retry")
@permission("admin")
def retry_outbox_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    try:
        admin_service.retry_outbox_message(current_user, message)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("The message is queued again and goes out with the next run of the mail worker."), "success")
    return redirect(url_for("admin.outbox_message", message_id=message.id))
