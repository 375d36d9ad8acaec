from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.core.forms import Form, WardDateField, strip


class WardReportForm(Form):
    number = StringField(_l("Document number"), filters=[strip], validators=[Length(max=64)])
    report_date = WardDateField(_l("Date of the report"), validators=[InputRequired(message=_l("Enter a date."))])
    title = TextAreaField(
        _l("Subject"),
        filters=[strip],
        validators=[DataRequired(message=_l("Write the report's subject.")), Length(max=500)],
    )
    situation = TextAreaField(_l("I. Implementation"), validators=[Length(max=20000)])
    assessment = TextAreaField(
        _l("V. General assessment: strengths, shortcomings and their causes"), validators=[Length(max=20000)]
    )
    next_tasks = TextAreaField(_l("VI. Main tasks for the next period"), validators=[Length(max=20000)])
    proposals = TextAreaField(_l("VII. Proposals and recommendations"), validators=[Length(max=20000)])
    recipients = TextAreaField(_l("Recipients (one per line)"), validators=[Length(max=5000)])
    # The signer: the plan file gives the defaults; the secretariat changes them per report.
    sign_on_behalf = StringField(
        _l("On behalf of (e.g. TM. ỦY BAN NHÂN DÂN)"), filters=[strip], validators=[Length(max=120)]
    )
    sign_authority = StringField(_l("Authority (e.g. KT. CHỦ TỊCH)"), filters=[strip], validators=[Length(max=120)])
    sign_title = StringField(
        _l("Title of the signer (e.g. PHÓ CHỦ TỊCH)"), filters=[strip], validators=[Length(max=120)]
    )
    sign_name = StringField(_l("Name of the signer"), filters=[strip], validators=[Length(max=120)])
    version = IntegerField(validators=[Optional()])
