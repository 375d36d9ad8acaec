from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField

from tracker.accounts.forms import MultiCheckboxField
from tracker.core.forms import Form


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
