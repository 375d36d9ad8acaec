"""Signing in and out, and the admin's account pages."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from tracker.accounts import services, tokens
from tracker.accounts.forms import LoginForm, NewUserForm, PasswordForm, ProfileForm, TokenForm, UserForm
from tracker.accounts.login import keep_session
from tracker.accounts.models import PROVINCE_ROLES, WARD_ROLES, User
from tracker.accounts.permissions import require
from tracker.core.http import actor, safe_next, sent_once
from tracker.core.labels import label
from tracker.core.submissions import taken
from tracker.core.time import now
from tracker.extensions import db
from tracker.units.models import Unit

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data, request.remote_addr, now())
        except services.SignInThrottled as throttled:
            db.session.commit()
            form.password.errors.append(
                _("Too many failed sign-ins. Wait %(wait)s and try again.", wait=_wait_in_words(throttled.wait))
            )
            return render_template("accounts/login.html", form=form), 429, {"Retry-After": str(throttled.wait)}
        db.session.commit()
        if user is not None:
            locale = session.get("locale")
            session.clear()  # a fresh session on sign-in
            if locale and not user.locale:
                session["locale"] = locale  # the language chosen before signing in, unless the profile says otherwise
            login_user(user, remember=form.remember.data)
            if form.remember.data:
                keep_session()
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
        form.password.errors.append(_("Wrong username or password, or the account is disabled."))
    return render_template("accounts/login.html", form=form), 200 if not form.errors else 422


def _wait_in_words(seconds: int) -> str:
    """The wait as the sign-in page tells it: in seconds below two minutes ("45 giây"), else in
    whole minutes rounded up ("3 phút")."""
    if seconds < 120:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    minutes = -(-seconds // 60)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.record_logout(actor(), now())
        db.session.commit()
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    """Each person's own settings: language and e-mail notifications."""
    form = ProfileForm(obj=current_user) if request.method == "GET" else ProfileForm()
    if request.method == "GET":
        form.locale.data = current_user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    if form.validate_on_submit():
        services.update_profile(
            actor(), now(), current_user, form.email.data, form.locale.data, form.email_notifications.data
        )
        db.session.commit()
        session["locale"] = form.locale.data
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("accounts.profile"))
    return _profile_page(form), 200 if not form.errors else 422


TOKEN_PREFIX = "token"  # the token form's fields, apart from the settings form's on the same page


def _profile_page(form=None, token_form=None, new_token=None):
    if form is None:  # the settings as saved, not read from a post of the token form
        form = ProfileForm(formdata=None, obj=current_user)
        form.locale.data = current_user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    return render_template(
        "accounts/profile.html",
        form=form,
        token_form=token_form or TokenForm(formdata=None, prefix=TOKEN_PREFIX),
        tokens=tokens.live_tokens(current_user.id),
        new_token=new_token,
    )


@bp.post("/profile/tokens")
def create_token():
    """Make an API token (tracker.api). The token is on this answer only, never in a cookie, a
    log or a later page: a reload or a second click makes no second token."""
    token_form = TokenForm(prefix=TOKEN_PREFIX)
    if token_form.validate_on_submit():
        submission, already = sent_once(token_form.once.data, url_for("accounts.profile"))
        if already is not None:
            return already
        try:
            row, secret = tokens.create_token(actor(), current_user, token_form.name.data, now())
        except tokens.TokenRefused as refused:
            db.session.rollback()
            token_form.name.errors = [str(refused)]
        else:
            taken(submission, url_for("accounts.profile", _anchor="tokens"))
            db.session.commit()
            response = make_response(_profile_page(new_token=(row, secret)))
            response.headers["Cache-Control"] = "no-store"
            return response
    return _profile_page(token_form=token_form), 422


@bp.post("/profile/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    token = db.session.get(tokens.ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    tokens.revoke_token(actor(), token, now())
    db.session.commit()
    flash(_("The token %(name)s is revoked: it no longer opens the API.", name=token.name), "success")
    return redirect(url_for("accounts.profile", _anchor="tokens"))


# --- admin: accounts ------------------------------------------------------------------------

admin = Blueprint("accounts_admin", __name__, url_prefix="/admin/users")


def _visible_units():
    query = select(Unit).where(Unit.is_group.is_(False)).order_by(Unit.ward_id, Unit.sort_order, Unit.id)
    if current_user.ward_id is not None:
        query = query.where(Unit.ward_id == current_user.ward_id)
    return db.session.scalars(query).all()


def _fill_choices(form: UserForm, user: User | None = None) -> None:
    form.unit_id.choices = [(0, _("— no unit —"))] + [(u.id, u.name) for u in _visible_units()]
    # An account keeps its kind: a ward's roles, or a province's for a province's account (made
    # with `flask users create --province`).
    roles = PROVINCE_ROLES if user is not None and user.province else WARD_ROLES
    form.roles.choices = [(code, label("role", code)) for code in roles]


def _load_user(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if current_user.ward_id is not None and user.ward_id != current_user.ward_id:
        abort(404)
    return user


@admin.get("/")
def index():
    require("manage_accounts")
    query = select(User).order_by(User.active.desc(), User.username)
    if current_user.ward_id is not None:
        query = query.where(User.ward_id == current_user.ward_id)
    return render_template("accounts/users.html", users=db.session.scalars(query).all())


@admin.route("/new", methods=["GET", "POST"])
def new():
    require("manage_accounts")
    form = NewUserForm()
    _fill_choices(form)
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        try:
            user = services.add_user(
                actor(),
                now(),
                form.username.data,
                form.password.data,
                form.full_name.data,
                form.roles.data,
                ward=current_user.ward or (unit.ward if unit else None),
                unit=unit,
                email=form.email.data or None,
                active=form.active.data,
            )
        except services.AccountRefused as refused:
            form.username.errors.append(str(refused))
        else:
            db.session.commit()
            flash(_('Account "%(username)s" created.', username=user.username), "success")
            return redirect(url_for("accounts_admin.index"))
    return render_template("accounts/user_form.html", form=form, user=None), 200 if not form.errors else 422


@admin.route("/<int:user_id>", methods=["GET", "POST"])
def edit(user_id: int):
    require("manage_accounts")
    user = _load_user(user_id)
    form = UserForm(obj=user) if request.method == "GET" else UserForm()
    _fill_choices(form, user)
    if request.method == "GET":
        form.unit_id.data = user.unit_id or 0
        form.roles.data = sorted(user.role_codes)
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data) if form.unit_id.data else None
        try:
            services.change_user(
                actor(),
                now(),
                user,
                form.username.data,
                form.full_name.data,
                form.roles.data,
                unit=unit,
                email=form.email.data or None,
                active=form.active.data,
            )
        except services.AccountRefused as refused:
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            flash(_('Account "%(username)s" saved.', username=user.username), "success")
            return redirect(url_for("accounts_admin.index"))
    return render_template(
        "accounts/user_form.html",
        form=form,
        user=user,
        password_form=PasswordForm(),
        failed_sign_ins=services.failed_sign_ins(user, now()),
    ), 200 if not form.errors and not form.form_errors else 422


@admin.post("/<int:user_id>/password")
def password(user_id: int):
    require("manage_accounts")
    user = _load_user(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        services.set_password(actor(), now(), user, form.password.data)  # the form checked the rules
        db.session.commit()
        flash(
            _('New password set for "%(username)s". Give it to the person in private.', username=user.username),
            "success",
        )
        return redirect(url_for("accounts_admin.edit", user_id=user.id))
    edit_form = UserForm(obj=user)
    _fill_choices(edit_form, user)
    edit_form.unit_id.data = user.unit_id or 0
    edit_form.roles.data = sorted(user.role_codes)
    return render_template(
        "accounts/user_form.html",
        form=edit_form,
        user=user,
        password_form=form,
        failed_sign_ins=services.failed_sign_ins(user, now()),
    ), 422


@admin.post("/<int:user_id>/unlock")
def unlock(user_id: int):
    """Clear the sign-in waits of an account (the person forgot the password, or was guessed at
    from the address they use): the failures so far no longer count, from any address."""
    require("manage_accounts")
    user = _load_user(user_id)
    services.unlock_sign_in(actor(), now(), user)
    db.session.commit()
    flash(_('"%(username)s" can sign in again without waiting.', username=user.username), "success")
    return redirect(url_for("accounts_admin.edit", user_id=user.id))
