"""The packaging files: valid for the tools that read them, and in step with the code that registers links."""

from __future__ import annotations

import plistlib
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dialer.desktop import registration

ROOT = Path(__file__).resolve().parents[3]
LINUX = ROOT / "packaging" / "linux"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_desktop_file_is_valid() -> None:
    result = subprocess.run(["desktop-file-validate", str(LINUX / "io.github.dialer.Dialer.desktop")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr


def test_desktop_file_hands_links_over_untrusted() -> None:
    text = (LINUX / "io.github.dialer.Dialer.desktop").read_text()
    assert "\nExec=dialer --untrusted-args %u\n" in text
    assert "\nMimeType=x-scheme-handler/tel;x-scheme-handler/callto;\n" in text
    assert "\nIcon=io.github.dialer.Dialer\n" in text


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream not installed")
def test_metainfo_is_valid() -> None:
    result = subprocess.run(["appstreamcli", "validate", "--no-net", str(LINUX / "io.github.dialer.Dialer.metainfo.xml")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_macos_bundle_declares_both_schemes() -> None:
    info = plistlib.loads((ROOT / "packaging" / "macos" / "Info.plist").read_bytes())
    assert info["CFBundleIdentifier"] == "io.github.dialer.Dialer"
    schemes = [s for entry in info["CFBundleURLTypes"] for s in entry["CFBundleURLSchemes"]]
    assert sorted(schemes) == ["callto", "tel"]


def _reg_template_values() -> set[tuple[str, str, str]]:
    values: set[tuple[str, str, str]] = set()
    key = ""
    for line in (ROOT / "packaging" / "windows" / "dialer.reg.template").read_text().splitlines():
        if line.startswith("[HKEY_CURRENT_USER\\"):
            key = line[len("[HKEY_CURRENT_USER\\"):-1]
        elif m := re.fullmatch(r'(@|"(?:[^"\\]|\\.)*")="((?:[^"\\]|\\.)*)"', line):
            name = "" if m.group(1) == "@" else m.group(1)[1:-1]
            value = m.group(2).replace('\\"', '"').replace("\\\\", "\\")
            values.add((key, name, value))
    return values


def test_windows_reg_template_matches_what_register_handler_writes() -> None:
    written = {(v.key, v.name, v.value) for v in registration.windows_registry_values(["{EXE}"], icon="{EXE}")}
    assert _reg_template_values() == written


def test_icon_is_a_square_svg() -> None:
    root = ET.parse(ROOT / "dialer" / "resources" / "dialer.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 64 64"
    assert root.get("width") == root.get("height")


def test_every_packaging_file_carries_the_one_version() -> None:
    # dialer/__init__.py is the one source (pyproject reads it); the files that cannot import it must agree.
    from dialer import __version__

    plist = plistlib.loads((ROOT / "packaging" / "macos" / "Info.plist").read_bytes())
    assert plist["CFBundleShortVersionString"] == plist["CFBundleVersion"] == __version__
    releases = ET.parse(LINUX / "io.github.dialer.Dialer.metainfo.xml").getroot().find("releases")
    assert releases is not None
    assert releases[0].get("version") == __version__  # the newest release comes first
    assert 'dynamic = ["version"]' in (ROOT / "pyproject.toml").read_text()


def test_flatpak_manifest_builds_from_git_with_committed_pins_and_one_app_id() -> None:
    yaml = pytest.importorskip("yaml")
    manifest = yaml.safe_load((LINUX / "io.github.dialer.Dialer.yml").read_text(encoding="utf-8"))
    assert manifest["app-id"] == registration.APP_ID == registration.HANDLER_DESKTOP_ID.removesuffix(".desktop")
    assert tuple(map(int, manifest["runtime-version"].split("."))) >= (6, 9) and manifest["base-version"] == manifest["runtime-version"]
    assert "--own-name=org.kde.StatusNotifierItem-2-2" in manifest["finish-args"]
    for module in manifest["modules"]:
        assert [s["type"] for s in module["sources"]] == ["git"]
        for command in module["build-commands"]:
            for word in command.split():
                if word.startswith(("packaging/", "dialer/")):
                    assert (ROOT / word).is_file(), word  # every file the build installs is committed
