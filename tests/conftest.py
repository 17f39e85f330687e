import matplotlib
import pytest

matplotlib.use("Agg")


# --- exercise checks: run one on an answer and read what it printed ---------------------


@pytest.fixture
def assert_passes(capsys):
    """``assert_passes(check, answer, *fragments)``: the check accepts the answer and
    prints a line that starts with ✅ and holds every fragment."""

    def run(check, answer, *fragments):
        assert bool(check(answer)) is True
        out = capsys.readouterr().out
        assert out.startswith("✅"), out
        for fragment in fragments:
            assert fragment in out, (fragment, out)

    return run


@pytest.fixture
def assert_fails(capsys):
    """``assert_fails(check, answer, *fragments)``: the check rejects the answer without
    raising and prints a message that starts with ❌ and holds every fragment."""

    def run(check, answer, *fragments):
        assert bool(check(answer)) is False
        out = capsys.readouterr().out
        assert out.startswith("❌"), out
        for fragment in fragments:
            assert fragment in out, (fragment, out)

    return run
