from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from tracker.accounts.forms import MultiCheckboxField
from tracker.core.forms import Form, WardDateField, strip


class AssignmentForm(Form):
    primary_lead = SelectField(_l("Lead unit that answers for the task"), coerce=int)
    co_leads = MultiCheckboxField(_l("Other lead units"), coerce=int)
    partners = MultiCheckboxField(_l("Partner units"), coerce=int)
    partners_report = BooleanField(_l("Partners and co-leads also owe period reports"))

    def set_units(self, units) -> None:
        choices = [(u.id, u.name) for u in units]
        self.primary_lead.choices = [(0, _("— not assigned —"))] + choices
        self.co_leads.choices = choices
        self.partners.choices = choices


class TaskEditForm(Form):
    """A task as the plan has it: what the plan says it is, its dates and its weight; and why it
    changes (kept with the plan's new version)."""

    title = StringField(
        _l("Title"), filters=[strip], validators=[InputRequired(message=_l("Give the task a title.")), Length(max=500)]
    )
    text = TextAreaField(_l("What the plan says"), validators=[Length(max=20000)])
    start_on = WardDateField(_l("Starts on"), validators=[Optional()])
    due_on = WardDateField(_l("Due on"), validators=[Optional()])
    weight = DecimalField(
        _l("Weight in its section's progress"),
        places=3,
        validators=[InputRequired(message=_l("Enter a weight, e.g. 1.")), NumberRange(min=0, max=1000)],
    )
    reason = StringField(
        _l("Why the plan changes"),
        filters=[strip],
        validators=[
            InputRequired(message=_l("Say why the plan changes: it is kept with its new version.")),
            Length(max=500),
        ],
    )
