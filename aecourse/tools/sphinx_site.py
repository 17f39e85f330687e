"""A small Sphinx extension for the book's site (listed in ``_config.yml``).

With Sphinx 7.4, inline scripts that extensions add while the build runs
(sphinx-thebe's configuration, sphinx-togglebutton's selector) reach each page
twice, once with no file name and once with an empty one. The browser then
reports ``Identifier 'THEBE_JS_URL' has already been declared``. This extension
drops such repeats from each page's context before the page is written.
"""

from __future__ import annotations


def _key(script) -> tuple:
    filename = getattr(script, "filename", script) or None  # "" and None: inline
    attributes = getattr(script, "attributes", {})
    return filename, getattr(script, "priority", 500), tuple(sorted(attributes.items()))


def _drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
