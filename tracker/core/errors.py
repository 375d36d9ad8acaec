from flask import Flask, render_template


def register(app: Flask) -> None:
    for code in (403, 404, 500):
        app.register_error_handler(code, _render_error(code))


def _render_error(code: int):
    def handler(error):
        return render_template("errors/error.html", code=code), code

    return handler
