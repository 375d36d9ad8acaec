from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from tracker.core.forms import Form, PercentField
from tracker.core.submissions import OnceField
from tracker.progress.forms import STATE_CHOICES
from tracker.progress.models import STATE_BLOCKED, STATE_DONE

TEXT_LIMIT = 20000


class SectionForm(Form):
    """One task's section of the unit report (the page holds one per task, each with its prefix)."""

    class Meta:
        csrf = False

    percent = PercentField(
        _l("Percent complete"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100, message=_l("The percent complete must be between 0 and 100.")),
        ],
    )
    state = SelectField(_l("State"), choices=[("", "—")] + STATE_CHOICES, validators=[Optional()])
    results = TextAreaField(_l("Results of the period"), validators=[Length(max=TEXT_LIMIT)])
    difficulties = TextAreaField(_l("Difficulties"), validators=[Length(max=TEXT_LIMIT)])
    proposals = TextAreaField(_l("Proposals"), validators=[Length(max=TEXT_LIMIT)])

    def validate_percent(self, field):
        if self.state.data == STATE_DONE and field.data is not None and field.data != 100:
            raise ValidationError(_l("A finished task is 100% complete: enter 100 or choose another state."))

    def validate_state(self, field):
        if field.data and self.percent.data is None:
            raise ValidationError(_l("Give the percent complete with the state."))

    def validate_difficulties(self, field):
        if self.state.data == STATE_BLOCKED and not (field.data or "").strip():
            raise ValidationError(_l("Say what blocks the task, so the committee can help."))


class UnitReportForm(Form):
    once = OnceField()
    assessment = TextAreaField(_l("General assessment"), validators=[Length(max=TEXT_LIMIT)])
    proposals = TextAreaField(_l("General proposals and recommendations"), validators=[Length(max=TEXT_LIMIT)])
    review_part = TextAreaField(_l("The review's own part"), validators=[Length(max=TEXT_LIMIT)])
    action = HiddenField(default="save")


class ReviewForm(Form):
    decision = RadioField(
        _l("Decision"),
        choices=[("accept", _l("Accept")), ("return", _l("Return for changes"))],
        validators=[InputRequired(message=_l("Choose to accept or to return the report."))],
    )
    section = SelectField(_l("The section to fix (optional)"), choices=[], validate_choice=False)
    comment = TextAreaField(_l("Comment or reason"), validators=[Length(max=5000)])
    version = IntegerField(validators=[InputRequired()])

    def validate_comment(self, field):
        if self.decision.data == "return" and not (field.data or "").strip():
            raise ValidationError(_l("Say why the report is returned, so the unit knows what to fix."))


class BulkAcceptForm(Form):
    pass
