"""The bibliography style that the site registers (author-year labels)."""

from __future__ import annotations

import sys
from pathlib import Path

from pybtex.database import Entry, Person
from pybtex.plugin import find_plugin

# the site's extension lives with the book (book/_ext), as _config.yml loads it
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
import sphinx_site  # noqa: E402


def paper(key, authors, year, title="A title"):
    entry = Entry("article", fields={"title": title, "journal": "A journal", "year": year})
    entry.key = key
    entry.persons["author"] = [Person(name) for name in authors]
    return entry


def test_labels_name_one_two_or_the_first_author():
    assert sphinx_site.author_year_label(paper("n", ["Ng, Andrew"], "2011")) == "Ng, 2011"
    two = paper("bh", ["Baldi, Pierre", "Hornik, Kurt"], "1989")
    assert sphinx_site.author_year_label(two) == "Baldi and Hornik, 1989"
    three = paper("k", ["Kool, Wouter", "van Hoof, Herke", "Welling, Max"], "2019")
    assert sphinx_site.author_year_label(three) == "Kool et al., 2019"
    accented = paper("e", ["Erd{\\H{o}}s, Paul"], "1947")
    assert sphinx_site.author_year_label(accented) == "Erdős, 1947"


def test_registered_style_sorts_and_tells_equal_labels_apart():
    style = find_plugin("pybtex.style.formatting", "author_year")()
    entries = [
        paper("k2", ["Kingma, D.", "Welling, M."], "2014", title="B second"),
        paper("b", ["Bishop, C."], "2006"),
        paper("k1", ["Kingma, D.", "Welling, M."], "2014", title="A first"),
    ]
    labels = [e.label for e in style.format_entries(style.sort(entries))]
    assert labels == ["Bishop, 2006", "Kingma and Welling, 2014a", "Kingma and Welling, 2014b"]
