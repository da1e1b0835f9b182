"""Locales: compiled Babel catalogs in locales/<locale>/LC_MESSAGES/messages.mo.

English is the source language. A locale is offered once its catalog exists.
"""

from __future__ import annotations

from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations
from flask import Flask, request
from flask_babel import Babel

SOURCE = "en"


class Catalogs:
    def __init__(self, locales_dir: Path):
        self.dir = locales_dir
        self._t: dict[str, NullTranslations] = {SOURCE: NullTranslations()}
        for mo in sorted(locales_dir.glob("*/LC_MESSAGES/messages.mo")):
            loc = mo.parent.parent.name
            self._t[loc] = Translations.load(str(locales_dir), [loc])
        self.locales: tuple[str, ...] = tuple(self._t)
        # Each language named in itself ("Cymraeg"), as a language switch should.
        self.names = {
            loc: (Locale.parse(loc).get_display_name(loc) or loc).capitalize() for loc in self.locales
        }

    def gettext(self, locale: str, text: str) -> str:
        t = self._t.get(locale)
        return t.gettext(text) if t and text else text  # gettext("") is the catalog's header


def pick_locale(locales: tuple[str, ...]) -> str:
    """An explicit ?lang=, else the browser's Accept-Language. (Never the body:
    this runs in error handlers too, where the body may be the problem.)"""
    chosen = request.args.get("lang")
    if chosen in locales:
        return chosen
    return request.accept_languages.best_match(locales) or SOURCE


def init_app(app: Flask, catalogs: Catalogs) -> None:
    Babel(
        app,
        locale_selector=lambda: pick_locale(catalogs.locales),
        default_translation_directories=str(catalogs.dir),
    )
