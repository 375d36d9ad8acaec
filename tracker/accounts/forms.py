from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.core.forms import Form

MIN_PASSWORD_LENGTH = 10


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[InputRequired(message=_l("Enter your username."))])
    password = PasswordField(_l("Password"), validators=[InputRequired(message=_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(Form):
    username = StringField(
        _l("Username"),
        validators=[
            InputRequired(message=_l("Enter a username.")),
            Length(min=3, max=64),
            Regexp(r"^[a-z0-9._-]+$", message=_l("Use lowercase letters without accents, digits, dots, dashes or underscores.")),
        ],
    )
    full_name = StringField(_l("Full name"), validators=[InputRequired(message=_l("Enter the person's full name.")), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(message=_l("This is not a valid e-mail address.")), Length(max=254)])
    unit_id = SelectField(_l("Unit"), coerce=int, validate_choice=True)
    roles = MultiCheckboxField(_l("Roles"), validators=[InputRequired(message=_l("Choose at least one role."))])
    active = BooleanField(_l("Account is active"), default=True)


class NewUserForm(UserForm):
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Enter a password.")), Length(min=MIN_PASSWORD_LENGTH, message=_l("The password must have at least %(min)d characters."))],
    )


class PasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(message=_l("Enter a password.")), Length(min=MIN_PASSWORD_LENGTH, message=_l("The password must have at least %(min)d characters."))],
    )

    def validate_password(self, field):
        if field.data and field.data.strip() != field.data:
            raise ValidationError(_l("The password must not start or end with a space."))
