from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from tracker.core.forms import Form


class ReportForm(Form):
    results = TextAreaField(_l("Results of the period"), validators=[Length(max=20000)])
    difficulties = TextAreaField(_l("Difficulties"), validators=[Length(max=20000)])
    proposals = TextAreaField(_l("Proposals"), validators=[Length(max=20000)])
    action = HiddenField(default="save")


class ReviewForm(Form):
    decision = RadioField(
        _l("Decision"),
        choices=[("accept", _l("Accept")), ("return", _l("Return for changes"))],
        validators=[InputRequired(message=_l("Choose to accept or to return the report."))],
    )
    comment = TextAreaField(_l("Comment or reason"), validators=[Length(max=5000)])
    version = IntegerField(validators=[InputRequired()])

    def validate_comment(self, field):
        if self.decision.data == "return" and not (field.data or "").strip():
            raise ValidationError(_l("Say why the report is returned, so the unit knows what to fix."))


class BulkAcceptForm(Form):
    pass
