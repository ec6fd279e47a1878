"""deploy/voila/voila.py (``make app``'s Voila config): page templates are compiled once per server, not once
per page, and an edited template is compiled again."""
from __future__ import annotations

import runpy
from pathlib import Path

import jinja2
import pytest

nbconvert = pytest.importorskip("nbconvert")
from nbconvert.exporters.html import HTMLExporter  # noqa: E402

CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "voila" / "voila.py"


@pytest.fixture
def compiles(monkeypatch):
    """Count Jinja compilations (parse + code generation: what a page paid for every template)."""
    seen: list[str] = []
    real = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        seen.append(name)
        return real(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return seen


def _exporter_class(config: dict) -> type:
    class PageExporter(HTMLExporter):  # a subclass: the shared cache does not leak into other tests
        pass

    assert config["share_compiled_templates"](PageExporter, config["SharedBytecodeCache"]()) is True
    return PageExporter


def test_second_exporter_compiles_no_template(compiles):
    config = runpy.run_path(str(CONFIG))  # as a module: nothing is patched until asked
    exporter_class = _exporter_class(config)
    pages = ("index.html.j2", "display_priority.j2", "null.j2")  # the lab page and two it builds on
    for name in pages:
        exporter_class(template_name="lab").environment.get_template(name)
    assert len(compiles) == len(pages)
    for name in pages:  # a new exporter, as Voila makes for every page
        exporter_class(template_name="lab").environment.get_template(name)
    assert len(compiles) == len(pages)


def test_an_edited_template_is_compiled_again(tmp_path, compiles):
    config = runpy.run_path(str(CONFIG))
    cache = config["SharedBytecodeCache"]()
    page = tmp_path / "page.j2"
    page.write_text("one {{ 1 }}")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path), bytecode_cache=cache)
    assert env.get_template("page.j2").render() == "one 1"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path), bytecode_cache=cache)
    assert env.get_template("page.j2").render() == "one 1" and len(compiles) == 1
    page.write_text("two {{ 2 }}")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(tmp_path), bytecode_cache=cache)
    assert env.get_template("page.j2").render() == "two 2" and len(compiles) == 2


def test_config_file_patches_only_when_read_as_config():
    original = HTMLExporter._create_environment
    runpy.run_path(str(CONFIG))
    assert HTMLExporter._create_environment is original


def test_app_kernel_runs_notebook_code_without_a_debugger(tmp_path):
    """make app's python3 kernel (deploy/voila/kernels): code runs in the notebook's folder and can import
    from it, as in the standard kernel; debugpy is not loaded (a Voila page cannot use a debugger)."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    (tmp_path / "helper_mod.py").write_text("VALUE = 42\n")
    specs = KernelSpecManager(kernel_dirs=[str(CONFIG.parent / "kernels")])
    assert specs.get_kernel_spec("python3").resource_dir == str(CONFIG.parent / "kernels" / "python3")
    km = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    km.start_kernel(cwd=str(tmp_path))
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        out: list[str] = []
        reply = kc.execute_interactive(
            "import sys, helper_mod; print(helper_mod.VALUE, sys.modules.get('debugpy') is None)",
            output_hook=lambda m: out.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None,
            timeout=60)
        assert reply["content"]["status"] == "ok"
        assert "".join(out).split() == ["42", "True"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
