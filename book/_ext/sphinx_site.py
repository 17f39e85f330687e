"""A small Sphinx extension for the book's site (listed in ``_config.yml``).

It turns each notebook's portable Markdown into MyST as Sphinx reads it
(:func:`portable_markdown_to_myst`).

It registers the citation style ``author_year_round``: sphinxcontrib-bibtex's
author-year style with round brackets, "Baldi and Hornik (1989)" and
"(Jang et al., 2017; Maddison et al., 2017)", as papers in the field write them.
To match, it registers the pybtex bibliography style ``author_year``: pybtex's
``plain`` style (sorted by author, year and title) whose labels are author-year too,
"[Baldi and Hornik, 1989]" rather than the default "[BH89]".

With Sphinx 7.4, inline scripts that extensions add while the build runs
(sphinx-thebe's configuration, sphinx-togglebutton's selector) reach each page
twice, once with no file name and once with an empty one. The browser then
reports ``Identifier 'THEBE_JS_URL' has already been declared``. This extension
drops such repeats from each page's context before the page is written.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from string import ascii_lowercase

import pybtex.plugin
import sphinxcontrib.bibtex.plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinxcontrib.bibtex.style.referencing import BracketStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

from aecourse.tools.portable_markdown import to_myst


def _round(sep: str = ", ") -> BracketStyle:
    return BracketStyle(left="(", right=")", sep=sep)


@dataclasses.dataclass
class RoundAuthorYearStyle(AuthorYearReferenceStyle):
    """Author-year citations in round brackets; several works separated by "; "."""

    bracket_parenthetical: BracketStyle = dataclasses.field(default_factory=lambda: _round("; "))
    bracket_textual: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_author: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_label: BracketStyle = dataclasses.field(default_factory=_round)
    bracket_year: BracketStyle = dataclasses.field(default_factory=_round)


sphinxcontrib.bibtex.plugin.register_plugin(
    "sphinxcontrib.bibtex.style.referencing", "author_year_round", RoundAuthorYearStyle
)


def author_year_label(entry) -> str:
    """ "Ng, 2011", "Baldi and Hornik, 1989" or "Burda et al., 2016" for a pybtex entry."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    last = [Text.from_latex(" ".join(p.last_names)).render_as("text") for p in persons]
    if not last:
        names = entry.fields.get("title", entry.key)
    elif len(last) == 1:
        names = last[0]
    elif len(last) == 2:
        names = f"{last[0]} and {last[1]}"
    else:
        names = f"{last[0]} et al."
    return f"{names}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabelStyle(BaseLabelStyle):
    """Author-year labels; works that would share one get "a", "b", ... after the year."""

    def format_labels(self, sorted_entries):
        labels = [author_year_label(entry) for entry in sorted_entries]
        total, seen = Counter(labels), Counter()
        for label in labels:
            if total[label] > 1:
                yield label + ascii_lowercase[seen[label]]
                seen[label] += 1
            else:
                yield label


class AuthorYearStyle(PlainStyle):
    """pybtex's ``plain`` bibliography with :class:`AuthorYearLabelStyle` labels."""

    default_label_style = "author_year"


pybtex.plugin.register_plugin("pybtex.style.labels", "author_year", AuthorYearLabelStyle)
pybtex.plugin.register_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)


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


def portable_markdown_to_myst(app, docname: str, source: list[str]) -> None:
    """Turn the Markdown cells of a notebook from portable Markdown into MyST as Sphinx
    reads it (``aecourse/tools/portable_markdown.py`` has the conventions): the notebooks
    read cleanly in JupyterLab, Colab and GitHub, and the site gets numbered equations,
    citations, exercises, dropdown solutions and notes."""
    if not str(app.env.doc2path(docname)).endswith(".ipynb"):
        return
    notebook = json.loads(source[0])
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            cell["source"] = to_myst(text)
    source[0] = json.dumps(notebook)


def setup(app):
    app.connect("source-read", portable_markdown_to_myst)
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
