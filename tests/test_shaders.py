"""Every GLSL file compiles for both dialects with glslangValidator, with the header the renderer adds."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from .conftest import ROOT

HEADERS = {
    "330": "#version 330 core\n",
    "300es": "#version 300 es\nprecision highp float;\nprecision highp int;\n",
}
SHADERS = sorted((ROOT / "shaders").rglob("*.glsl"))


def test_there_are_shaders():
    assert SHADERS


@pytest.mark.parametrize("dialect", sorted(HEADERS))
@pytest.mark.parametrize("path", SHADERS, ids=lambda p: str(p.relative_to(ROOT / "shaders")))
def test_shader_validates(path, dialect, tmp_path):
    tool = shutil.which("glslangValidator")
    if tool is None:
        pytest.skip("glslangValidator not installed (apt-get install glslang-tools)")
    text = path.read_text()
    assert "#version" not in text, "shader files carry no #version line; the renderer adds it"
    stage = path.name.split(".")[-2]
    assert stage in {"vert", "frag"}, path.name
    src = tmp_path / f"shader.{stage}"
    src.write_text(HEADERS[dialect] + "#line 1\n" + text)
    result = subprocess.run([tool, str(src)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
