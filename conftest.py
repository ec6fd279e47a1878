"""Root pytest set-up, loaded before any test or notebook is collected.

- nbval's sanitising rules (tests/nbval_sanitize.cfg) are resolved from the project root, so pytest
  works from any folder.
- Notebook kernels and tests write progress under a throw-away $PAINKIT_HOME, never the user's own.
- Every test gets an xdist group and the groups run longest first (see ``pytest_collection_modifyitems``).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config.option, "nbval_sanitize_with") and not config.option.nbval_sanitize_with:
        config.option.nbval_sanitize_with = str(ROOT / "tests" / "nbval_sanitize.cfg")
    os.environ["PAINKIT_HOME"] = tempfile.mkdtemp(prefix="painkit-test-home-")
    os.environ.setdefault("PAINKIT_LEARNER", "nbval-learner")
    config.addinivalue_line("markers", "notebook(name): the learner notebook whose shared browser page the test "
                            "reads (tests/browser: lab_page, voila_page); its tests run on one worker, in order")


# Groups that start browsers, servers and kernels, longest first: `make test` (pytest -n 2 --dist loadgroup
# --no-loadscope-reorder) hands them out in this order, so short unit-test files fill the gaps at the end instead
# of one worker finishing a long browser file alone.
#
# xdist's own loadgroup passes a test's group to the scheduler by appending it to the test's node id, which pytest
# 9.2 no longer lets a plugin change (pytest-xdist issue 1386): every test would become a group of its own, and a
# notebook's cells would run on two kernels. So each worker writes the groups it collected to a folder the
# controller names (workerinput), and the scheduler below reads them.
LONG_FIRST = ("lab:", "tests/deploy/", "voila:", "tests/browser/", "tests/test_lab_setup.py", "notebooks/")


def xdist_group_of(item: pytest.Item) -> str:
    """The group of tests one worker runs together, in collection order.

    - The tests of one notebook's shared browser page (``notebook`` mark with ``lab_page`` or ``voila_page``):
      ``lab:<notebook>`` or ``voila:<notebook>``, one page load for them all.
    - Any other browser or hub test: a group of its own (browsers and servers are per worker anyway), so the
      long ones spread over both workers.
    - Everything else: its file (a notebook's cells run in order on one kernel; module fixtures are made once),
      as ``--dist loadfile`` would.
    """
    path = item.nodeid.split("::", 1)[0]
    mark = item.get_closest_marker("notebook")
    fixtures = getattr(item, "fixturenames", ())
    if mark is not None and ("lab_page" in fixtures or "voila_page" in fixtures):
        return f"{'lab' if 'lab_page' in fixtures else 'voila'}:{mark.args[0]}"
    if path.startswith(("tests/browser/", "tests/deploy/")):
        return item.nodeid.translate(str.maketrans("[]@", "()_"))  # xdist splits the group off at the last '@'
    return path


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    group_of: dict[str, str] = {}
    first_seen: dict[str, int] = {}
    for item in items:
        mark = item.get_closest_marker("xdist_group")
        if mark is None:
            group = xdist_group_of(item)
            item.add_marker(pytest.mark.xdist_group(group))
        else:  # a group given by the test itself
            group = str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        group_of[item.nodeid] = group
        first_seen.setdefault(group, len(first_seen))

    def rank(item: pytest.Item) -> tuple[int, int]:
        group = group_of[item.nodeid]
        tier = next((i for i, prefix in enumerate(LONG_FIRST) if group.startswith(prefix)), len(LONG_FIRST))
        return tier, first_seen[group]

    items.sort(key=rank)  # stable: a group's tests keep their order and sit together (also without xdist)
    folder = getattr(config, "workerinput", {}).get("painkit_groups")
    if folder:  # an xdist worker: tell the controller's scheduler (written before the collection is reported)
        path = Path(folder) / f"{config.workerinput['workerid']}.json"
        path.with_suffix(".tmp").write_text(json.dumps(group_of))
        os.replace(path.with_suffix(".tmp"), path)


def _xdist_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput") and config.getvalue("dist") == "loadgroup" \
        if config.pluginmanager.hasplugin("xdist") else False


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    if _xdist_controller(node.config):
        if not hasattr(node.config, "_painkit_groups"):
            node.config._painkit_groups = tempfile.mkdtemp(prefix="painkit-xdist-groups-")
        node.workerinput["painkit_groups"] = node.config._painkit_groups


def pytest_unconfigure(config: pytest.Config) -> None:
    if hasattr(config, "_painkit_groups"):
        shutil.rmtree(config._painkit_groups, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadgroup`` with the groups the workers wrote (see above); whole groups, in collection order."""
    if not _xdist_controller(config):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        groups: dict[str, str] = {}

        def _split_scope(self, nodeid: str) -> str:
            if not self.groups:  # every worker has reported its collection, so has written its file
                for path in Path(config._painkit_groups).glob("*.json"):
                    self.groups.update(json.loads(path.read_text()))
            return self.groups.get(nodeid, nodeid)

    return GroupScheduling(config, log)
