from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from journal.audit import history as audit_history
from journal.extensions import db
from journal.models import Journal, Membership, Role, Section
from journal import i18n
from journal.permissions import can, journal_from_slug, permission
from journal.services import journals as journal_service
from journal.services import mail_templates as mail_template_service
from journal.services.errors import DomainError
from journal.web.helpers import show_error
from journal.web.manage.forms import JournalSettingsForm, MailTemplateForm, MemberForm, SectionForm

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.get("/")
@permission("menu.manage")
def index():
    query = select(Journal).order_by(Journal.title)
    if not current_user.is_platform_admin:
        query = query.join(Membership).where(Membership.user_id == current_user.id,
                                             Membership.role == Role.MANAGING_EDITOR)
    journals = db.session.scalars(query).all()
    if len(journals) == 1:
        return redirect(url_for("manage.settings", slug=journals[0].slug))
    return render_template("manage/index.html", journals=journals)


@bp.route("/<slug>/settings", methods=["GET", "POST"])
@permission("journal.manage", load=journal_from_slug)
def settings(journal: Journal):
    form = JournalSettingsForm(obj=journal)
    if request.method == "GET":
        form.submission_checklist.data = "\n".join(journal.submission_checklist or [])
        reminders = journal.reminder_days or {}
        form.reminder_days_respond_by.data = journal_service.format_reminder_days(reminders.get("respond_by", []))
        form.reminder_days_due.data = journal_service.format_reminder_days(reminders.get("due", []))
        form.reminder_days_revision.data = journal_service.format_reminder_days(
            journal_service.reminder_days_of(journal, "revision"))
        form.languages.data = i18n.offered(journal)
    if form.validate_on_submit():
        values = {name: field.data for name, field in form._fields.items()
                  if name != "csrf_token" and not name.startswith("reminder_days_")}
        values["reminder_days"] = {"respond_by": form.reminder_days_respond_by.data or "",
                                   "due": form.reminder_days_due.data or ""}
        if "reminder_days_revision" in request.form:  # a form without it leaves the revision reminders as they are
            values["reminder_days"]["revision"] = form.reminder_days_revision.data or ""
        for name in ("minor_revision_days", "major_revision_days"):
            if values[name] is None:
                values.pop(name)
        if "peer_review_publication" not in request.form:  # a form without it leaves the choice as it is
            values.pop("peer_review_publication")
        if "default_language" not in request.form:  # a form without the language settings leaves them as they are
            values.pop("default_language")
            values.pop("languages")
        try:
            changed = journal_service.update_journal_settings(current_user, journal, **values)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Settings saved.") if changed else _("Nothing had changed."), "success")
            return redirect(url_for("manage.settings", slug=journal.slug))
    return render_template("manage/settings.html", journal=journal, form=form)


@bp.route("/<slug>/sections", methods=["GET", "POST"])
@permission("journal.manage", load=journal_from_slug)
def sections(journal: Journal):
    form = SectionForm()
    if form.validate_on_submit():
        try:
            journal_service.add_section(current_user, journal, title=form.title.data,
                                        abbreviation=form.abbreviation.data or "", policy=form.policy.data or "")
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Section “%(title)s” added.", title=form.title.data.strip()), "success")
            return redirect(url_for("manage.sections", slug=journal.slug))
    return render_template("manage/sections.html", journal=journal, form=form)


def _section(journal: Journal, section_id: int) -> Section:
    section = db.session.get(Section, section_id)
    if section is None or section.journal_id != journal.id:
        abort(404)
    return section


@bp.route("/<slug>/sections/<int:section_id>", methods=["GET", "POST"])
@permission("journal.manage", load=journal_from_slug)
def edit_section(journal: Journal, section_id: int):
    section = _section(journal, section_id)
    form = SectionForm(obj=section)
    if form.validate_on_submit():
        try:
            journal_service.update_section(current_user, section, title=form.title.data,
                                           abbreviation=form.abbreviation.data or "",
                                           policy=form.policy.data or "", active=form.active.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("Section saved."), "success")
            return redirect(url_for("manage.sections", slug=journal.slug))
    return render_template("manage/section_edit.html", journal=journal, section=section, form=form)


@bp.post("/<slug>/sections/<int:section_id>/move/<direction>")
@permission("journal.manage", load=journal_from_slug)
def move_section(journal: Journal, section_id: int, direction: str):
    if direction not in ("up", "down"):
        abort(404)
    journal_service.move_section(current_user, _section(journal, section_id), -1 if direction == "up" else 1)
    return redirect(url_for("manage.sections", slug=journal.slug))


@bp.route("/<slug>/members", methods=["GET", "POST"])
@permission("journal.manage", load=journal_from_slug)
def members(journal: Journal):
    form = MemberForm()
    if not can(current_user, "admin"):
        form.role.choices = [c for c in form.role.choices if c.value != Role.MANAGING_EDITOR.value]
    if form.validate_on_submit():
        try:
            membership = journal_service.add_member(current_user, journal, email=form.email.data,
                                                    role=form.role.data)
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("%(name)s is now %(role)s of %(journal)s; we told them by mail.", name=membership.user.full_name,
                    role=membership.role.label.lower(), journal=journal.title), "success")
            return redirect(url_for("manage.members", slug=journal.slug))
    return render_template("manage/members.html", journal=journal, form=form,
                           members=journal_service.members_of(journal))


@bp.post("/<slug>/members/<int:membership_id>/remove")
@permission("journal.manage", load=journal_from_slug)
def remove_member(journal: Journal, membership_id: int):
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.journal_id != journal.id:
        abort(404)
    name, role = membership.user.full_name, membership.role.label.lower()
    try:
        journal_service.remove_member(current_user, membership)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("%(name)s is no longer %(role)s of %(journal)s.", name=name, role=role, journal=journal.title),
              "success")
    return redirect(url_for("manage.members", slug=journal.slug))


@bp.get("/<slug>/history")
@permission("journal.manage", load=journal_from_slug)
def history(journal: Journal):
    return render_template("manage/history.html", journal=journal, events=list(reversed(audit_history(journal))))


@bp.route("/<slug>/announcements", methods=["GET", "POST"])
@permission("journal.manage", load=journal_from_slug)
def announcements(journal: Journal):
    from journal.web.manage.forms import AnnouncementForm

    form = AnnouncementForm()
    if form.validate_on_submit():
        try:
            journal_service.post_announcement(current_user, journal, title=form.title.data, body=form.body.data or "")
        except DomainError as error:
            show_error(form, error)
        else:
            flash(_("“%(title)s” is on the journal's home page.", title=form.title.data.strip()), "success")
            return redirect(url_for("manage.announcements", slug=journal.slug))
    return render_template("manage/announcements.html", journal=journal, form=form,
                           announcements=journal_service.announcements_of(journal))


@bp.post("/<slug>/announcements/<int:announcement_id>/remove")
@permission("journal.manage", load=journal_from_slug)
def remove_announcement(journal: Journal, announcement_id: int):
    try:
        journal_service.remove_announcement(current_user, journal, announcement_id)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("The announcement is removed from the home page."), "success")
    return redirect(url_for("manage.announcements", slug=journal.slug))


@bp.get("/<slug>/mails")
@permission("journal.manage", load=journal_from_slug)
def mail_templates(journal: Journal):
    return render_template("manage/mail_templates.html", journal=journal, keys=mail_template_service.KEYS.values(),
                           languages=[i18n.language(code) for code in i18n.offered(journal)],
                           own=mail_template_service.stored_of(journal))


@bp.route("/<slug>/mails/<key>/<language>", methods=["GET", "POST"])
@permission("journal.manage", load=journal_from_slug)
def edit_mail_template(journal: Journal, key: str, language: str):
    if key not in mail_template_service.KEYS or language not in i18n.offered(journal):
        abort(404)
    spec = mail_template_service.KEYS[key]
    subject, body, own = mail_template_service.text_for(journal, key, language)
    form = MailTemplateForm(data={"subject": subject, "body": body})
    recent = mail_template_service.recent_submissions(journal)
    form.submission_id.choices = [(s.id, f"{s.reference} · {s.title}"[:120]) for s in recent]
    preview = None
    if form.validate_on_submit():
        try:
            if "preview" in request.form:
                chosen = next((s for s in recent if s.id == form.submission_id.data), None)
                if chosen is None:
                    flash(_("Choose a submission to preview the text with."), "error")
                else:
                    preview = mail_template_service.preview(current_user, journal, key, language, chosen,
                                                            subject=form.subject.data, body=form.body.data)
            else:
                mail_template_service.save_template(current_user, journal, key, language,
                                                    subject=form.subject.data, body=form.body.data)
                flash(_("The text is saved; the journal's mails use it from now on."), "success")
                return redirect(url_for("manage.edit_mail_template", slug=journal.slug, key=key, language=language))
        except DomainError as error:
            show_error(form, error)
    return render_template("manage/mail_template_edit.html", journal=journal, spec=spec, form=form, own=own,
                           language=i18n.language(language), preview=preview,
                           placeholders=spec.placeholders.items()), 400 if form.errors else 200


@bp.post("/<slug>/mails/<key>/<language>/reset")
@permission("journal.manage", load=journal_from_slug)
def reset_mail_template(journal: Journal, key: str, language: str):
    if key not in mail_template_service.KEYS or language not in i18n.offered(journal):
        abort(404)
    if mail_template_service.reset_template(current_user, journal, key, language):
        flash(_("The journal's text is deleted; the built-in text is used again."), "success")
    else:
        flash(_("The built-in text was in use already."), "success")
    return redirect(url_for("manage.edit_mail_template", slug=journal.slug, key=key, language=language))
