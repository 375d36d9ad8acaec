from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from tracker.core.forms import Form, WardDateField, strip
from tracker.core.submissions import OnceField


class CommentForm(Form):
    once = OnceField()
    body = TextAreaField(
        _l("Comment"), filters=[strip], validators=[DataRequired(message=_l("Write the comment.")), Length(max=5000)]
    )
    update_id = HiddenField()


class QuestionForm(Form):
    once = OnceField()
    unit_id = SelectField(_l("Unit asked"), coerce=int)
    body = TextAreaField(
        _l("Question"), filters=[strip], validators=[DataRequired(message=_l("Write the question.")), Length(max=5000)]
    )
    task_code = HiddenField()


class AnswerForm(Form):
    once = OnceField()
    answer = TextAreaField(
        _l("Answer"), filters=[strip], validators=[DataRequired(message=_l("Write the answer.")), Length(max=10000)]
    )


def unit_choices(units) -> list:
    """A directive's units: nothing chosen by default, UBND's own offices first, then the bodies it
    requests of ("đề nghị")."""
    return (
        [("", _l("— Choose the unit —"))]
        + [(u.id, u.name) for u in units if not u.outside_apparatus]
        + [(u.id, _l("%(unit)s (request)", unit=u.name)) for u in units if u.outside_apparatus]
    )


def _unit_id(value):
    return int(value) if value not in (None, "") else None


class DirectiveForm(Form):
    once = OnceField()
    # No unit is chosen for the chair: the form starts on "choose a unit".
    unit_id = SelectField(
        _l("Unit"), coerce=_unit_id, validators=[InputRequired(message=_l("Choose the unit the directive is for."))]
    )
    body = TextAreaField(
        _l("Directive"),
        filters=[strip],
        validators=[DataRequired(message=_l("Write the directive.")), Length(max=5000)],
    )
    due_on = WardDateField(_l("Due date"), validators=[InputRequired(message=_l("Enter the due date."))])
    task_code = HiddenField()


class ReplyForm(Form):
    once = OnceField()
    reply = TextAreaField(
        _l("Reply"), filters=[strip], validators=[DataRequired(message=_l("Write the reply.")), Length(max=10000)]
    )
    done = BooleanField(_l("The directive is carried out (mark it done)"))
