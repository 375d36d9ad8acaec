from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.core.forms import Form, strip


class WardReportForm(Form):
    number = StringField(_l("Document number"), filters=[strip], validators=[Length(max=64)])
    report_date = DateField(_l("Date of the report"), validators=[InputRequired(message=_l("Enter a date."))])
    title = TextAreaField(_l("Subject"), filters=[strip], validators=[DataRequired(message=_l("Write the report's subject.")), Length(max=500)])
    situation = TextAreaField(_l("I. Implementation"), validators=[Length(max=20000)])
    assessment = TextAreaField(_l("V. General assessment: strengths, shortcomings and their causes"), validators=[Length(max=20000)])
    next_tasks = TextAreaField(_l("VI. Main tasks for the next period"), validators=[Length(max=20000)])
    proposals = TextAreaField(_l("VII. Proposals and recommendations"), validators=[Length(max=20000)])
    recipients = TextAreaField(_l("Recipients (one per line)"), validators=[Length(max=5000)])
    version = IntegerField(validators=[Optional()])
