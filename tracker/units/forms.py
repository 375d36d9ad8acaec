from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from tracker.accounts.forms import MultiCheckboxField
from tracker.core.forms import Form, strip


class UnitForm(Form):
    code = StringField(
        _l("Code"),
        validators=[
            InputRequired(message=_l("Enter a short code, e.g. to-dan-pho-1.")),
            Length(max=64),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message=_l("Use lowercase letters without accents, digits and dashes, e.g. to-dan-pho-1."),
            ),
        ],
    )
    name = StringField(
        _l("Name"), filters=[strip], validators=[DataRequired(message=_l("Enter the unit's name.")), Length(max=300)]
    )
    is_group = BooleanField(_l("This is a unit group (a collective name in the plan)"))
    outside_apparatus = BooleanField(_l("Outside UBND's own apparatus (UBND requests of it rather than assigns)"))
    members = MultiCheckboxField(_l("Members (for a group)"), coerce=int)
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    active = BooleanField(_l("Active"), default=True)
