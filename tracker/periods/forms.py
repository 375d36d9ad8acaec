from flask_babel import lazy_gettext as _l
from wtforms.validators import InputRequired, ValidationError

from tracker.core.forms import Form, WardDateField


class PeriodForm(Form):
    unit_deadline = WardDateField(_l("Units report by"), validators=[InputRequired(message=_l("Enter a date."))])
    ward_deadline = WardDateField(_l("Ward report by"), validators=[InputRequired(message=_l("Enter a date."))])

    def validate_unit_deadline(self, field):
        if field.data and self.ward_deadline.data and field.data > self.ward_deadline.data:
            raise ValidationError(_l("Units must report on or before the ward's deadline."))
