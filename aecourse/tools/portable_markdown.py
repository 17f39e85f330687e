"""The notebooks' Markdown: plain enough for any renderer, rich enough for the site.

The notebooks are read in three places: on the site (Sphinx with MyST), in JupyterLab,
and in plain Markdown + MathJax renderers (Colab, GitHub). MyST's directives and roles
show as raw text in the last two, so the notebooks are written in *portable Markdown*:
CommonMark with a few conventions that read well as they are, which the site's
extension (``book/_ext/sphinx_site.py``) turns into MyST when it reads a notebook
(:func:`to_myst`). The conventions:

========================  ===================================================  ==========================
what                      in the notebook (portable Markdown)                  on the site (MyST)
========================  ===================================================  ==========================
numbered equation         ``$$`` body ``\\tag{4.1}`` ``$$``, then on the next     ``$$`` body ``$$ (vae-elbo)``
                          line ``<a id="vae-elbo"></a>``
equation reference        ``[(4.1)](#vae-elbo)``                               ``{eq}`vae-elbo```
citation in brackets      ``[(Burda et al., 2016)](#cite-p-burda2016)``        ``{cite:p}`burda2016```
citation in the text      ``[Burda et al. (2016)](#cite-t-burda2016)``         ``{cite:t}`burda2016```
exercise (to cell's end)  ``<a id="ex-vae-kl"></a>**Exercise (derive).** ...``  ``{exercise} Derive``, ``:label:``
start of a solution       ``**Solution** (of [the exercise above](#ex-vae-kl))``  ``{solution-start}``, dropdown
end of a solution         ``**End of solution.**``                             ``{solution-end}``
note                      a block quote that starts ``> **Note.**``            ``{note}``
link to a chapter         ``[text](07_reparameterization.ipynb)``              (the same: MyST resolves it)
========================  ===================================================  ==========================

Equation numbers are written out (``\\tag``) because a plain renderer does not number
equations; the site test checks that they are the numbers the site gives, and
:func:`check_portable` that every reference quotes the number of its equation.
Maths uses no macros (``\\mathbb{E}``, not ``\\E``): a plain renderer knows none.
"""

from __future__ import annotations

import re

#: A numbered display equation: $$ body \tag{n} $$ and its anchor on the next line.
EQUATION = re.compile(
    r"\$\$\n(?P<body>.*?)\n\\tag\{(?P<number>[\d.]+)\}\n\$\$\n<a id=\"(?P<label>[\w-]+)\"></a>",
    re.S,
)
EQUATION_REF = re.compile(r"\[\((?P<number>[\d.]+)\)\]\(#(?P<label>[\w-]+)\)")
CITATION = re.compile(r"\[(?P<text>[^\]]+)\]\(#cite-(?P<kind>[pt])-(?P<keys>[\w,-]+)\)")
EXERCISE = re.compile(
    r"^<a id=\"(?P<label>ex-[\w-]+)\"></a>"
    r"\*\*Exercise(?: \((?P<kind>derive|predict|experiment|debug|implement)\))?\.\*\* ?",
    re.M,
)
#: The site's title for each kind of exercise (``**Exercise (derive).**`` -> "Derive").
EXERCISE_TITLES = {
    "derive": "Derive",
    "predict": "Predict, then run",
    "experiment": "Experiment",
    "debug": "Debug",
    "implement": "Implement",
}
SOLUTION_START = re.compile(
    r"^\*\*Solution\*\* \(of \[the exercise above\]\(#(?P<label>ex-[\w-]+)\)\)\n?", re.M
)
SOLUTION_END = re.compile(r"^\*\*End of solution\.\*\*\n?", re.M)
NOTE = re.compile(r"^> \*\*Note\.\*\* (?P<first>.*(?:\n>.*)*)", re.M)

#: What must never appear in a notebook's Markdown: MyST syntax and the site's macros.
MYST_LEFTOVERS = re.compile(
    r"\{(?:eq|cite|cite:p|cite:t|doc|ref|numref|term)\}`"  # roles
    r"|^[`:]{3,}\{"  # directive fences
    r"|^\$\$ *\([\w-]+\)"  # MyST equation labels
    r"|\\(?:E|KL|N|R)(?![A-Za-z])",  # macros defined only in _config.yml
    re.M,
)


def to_myst(markdown: str) -> str:
    """The MyST for the site of one Markdown cell written in portable Markdown."""
    exercise = EXERCISE.search(markdown)
    if exercise:  # from the marker to the end of the cell
        body = markdown[exercise.end() :].rstrip("\n")
        before = markdown[: exercise.start()]
        title = f" {EXERCISE_TITLES[exercise['kind']]}" if exercise["kind"] else ""
        markdown = f"{before}````{{exercise}}{title}\n:label: {exercise['label']}\n{body}\n````\n"
    markdown = SOLUTION_START.sub(
        lambda m: f"````{{solution-start}} {m['label']}\n:class: dropdown\n````\n", markdown
    )
    markdown = SOLUTION_END.sub("````{solution-end}\n````\n", markdown)
    markdown = NOTE.sub(_note, markdown)
    markdown = EQUATION.sub(lambda m: f"$$\n{m['body']}\n$$ ({m['label']})", markdown)
    markdown = EQUATION_REF.sub(lambda m: f"{{eq}}`{m['label']}`", markdown)
    return CITATION.sub(lambda m: f"{{cite:{m['kind']}}}`{m['keys']}`", markdown)


def _note(match: re.Match) -> str:
    lines = match["first"].split("\n")
    body = [lines[0]] + [line[2:] if line.startswith("> ") else line[1:] for line in lines[1:]]
    return "```{note}\n" + "\n".join(body) + "\n```"


def equation_numbers(markdown: str) -> dict[str, str]:
    """label -> number of every numbered equation in ``markdown``."""
    return {m["label"]: m["number"] for m in EQUATION.finditer(markdown)}


def check_portable(markdown: str, numbers: dict[str, str]) -> list[str]:
    """What in one Markdown cell breaks the conventions: MyST syntax, a site-only macro,
    or an equation reference whose number is not that of its equation (``numbers``,
    label -> number, over the whole book)."""
    problems = [
        f"MyST or a site-only macro: {m.group(0)!r}" for m in MYST_LEFTOVERS.finditer(markdown)
    ]
    for ref in EQUATION_REF.finditer(markdown):
        if numbers.get(ref["label"]) != ref["number"]:
            problems.append(
                f"[({ref['number']})](#{ref['label']}) but that equation is "
                f"({numbers.get(ref['label'], 'not defined')})"
            )
    return problems
