from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.accounts.services import password_problem, username_problem
from tracker.core.forms import Form, strip
from tracker.core.submissions import OnceField


def valid_username(form, field):
    problem = username_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def valid_password(form, field):
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class LoginForm(Form):
    username = StringField(_l("Username"), validators=[InputRequired(message=_l("Enter your username."))])
    password = PasswordField(_l("Password"), validators=[InputRequired(message=_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(Form):
    username = StringField(
        _l("Username"), filters=[strip], validators=[DataRequired(message=_l("Enter a username.")), valid_username]
    )
    full_name = StringField(
        _l("Full name"),
        filters=[strip],
        validators=[DataRequired(message=_l("Enter the person's full name.")), Length(max=200)],
    )
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[Optional(), Email(message=_l("This is not a valid e-mail address.")), Length(max=254)],
    )
    unit_id = SelectField(_l("Unit"), coerce=int, validate_choice=True)
    roles = MultiCheckboxField(_l("Roles"), validators=[InputRequired(message=_l("Choose at least one role."))])
    active = BooleanField(_l("Account is active"), default=True)


class NewUserForm(UserForm):
    password = PasswordField(
        _l("Password"), validators=[InputRequired(message=_l("Enter a password.")), valid_password]
    )


class PasswordForm(Form):
    password = PasswordField(
        _l("New password"), validators=[InputRequired(message=_l("Enter a password.")), valid_password]
    )


class TokenForm(Form):
    name = StringField(
        _l("Token name"),
        filters=[strip],
        validators=[
            InputRequired(message=_l("Give the token a name, such as the script or the computer that will use it.")),
            Length(max=80),
        ],
    )
    once = OnceField()


class ProfileForm(Form):
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[Optional(), Email(message=_l("This is not a valid e-mail address.")), Length(max=254)],
    )
    locale = SelectField(_l("Language"), choices=[("vi", "Tiếng Việt"), ("en", "English")])
    email_notifications = BooleanField(_l("Send me a daily e-mail summary of what needs my attention"))
