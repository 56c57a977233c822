"""The cataloguers' web page in a real headless Chromium against ``undex serve`` on 127.0.0.1:
paste or upload -> suggest -> evidence highlighted -> concept -> accept/reject -> copy.

Needs Debian's ``chromium`` and ``fonts-noto-cjk`` (installed by .ci/run). Screenshots go to
tests/artifacts/ (not committed).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_process import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PROJECTS = ("lexical-zh", "lexical-en")

CHINESE = (
    "大会，\n"
    "重申可持续发展问题世界首脑会议的成果，\n"
    "关切淡水资源短缺和卫生设施不足对妇女和儿童健康的影响，\n"
    "1. 强调必须加强水资源管理和海洋保护方面的机构间合作；\n"
    "2. 呼吁各国促进人权和性别平等，并加强对发展中国家的技术援助。"
)
ENGLISH_UN_FILE = (
    "%%%WATER RESOURCES|HUMAN RIGHTS|\n\n"
    "The General Assembly,\n"
    "Recalling the outcome of the World Summit on Sustainable Development,\n"
    "Concerned that the shortage of freshwater and of sanitation harms the health of women and children,\n"
    "1. Stresses the need to improve water resources management and the protection of oceans and coastal areas;\n"
    "2. Calls upon States to promote human rights and gender equality and to provide technical assistance "
    "to developing countries."
)
MARC_LINE = re.compile(r"^650 _7 \$a [^$]+ \$2 unbist$")


def _projects_file(path: Path) -> Path:
    """The repository's definitions of the zero-shot projects the test uses."""
    configs = tomllib.loads((ROOT / "projects.toml").read_text(encoding="utf-8"))
    lines = []
    for project_id in PROJECTS:
        lines.append(f"[{project_id}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in configs[project_id].items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


@pytest.fixture(scope="module")
def server(unbis_datadir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    projects = _projects_file(tmp_path_factory.mktemp("web") / "projects.toml")
    with ServerProcess(projects, unbis_datadir) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: run .ci/run (installs chromium and fonts-noto-cjk)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, server: ServerProcess) -> Iterator:
    context = browser.new_context(viewport={"width": 1360, "height": 1000}, device_scale_factor=1)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _suggest(page) -> list[str]:
    """Press "suggest"; the labels of the suggested subjects, best first."""
    with page.expect_response(lambda r: r.url.endswith("/suggest"), timeout=60_000) as answer:
        page.click("#suggest")
    assert answer.value.status == 200
    page.wait_for_function("!document.querySelector('#suggest').disabled")
    page.wait_for_selector("#results li.subject")
    return page.locator("#results li.subject .label").all_inner_texts()


def _accept_reject(page) -> list[int]:
    """Tick subjects 1-3, then untick 2: subjects 1 and 3 stay accepted."""
    boxes = page.locator("#results li.subject input[type=checkbox]")
    assert boxes.count() >= 3, "need at least three suggestions to exercise accept/reject"
    for i in (0, 1, 2):
        boxes.nth(i).check()
    boxes.nth(1).uncheck()
    assert page.inner_text("#accepted-count") == "2"
    assert page.locator("#results li.subject.accepted").count() == 2
    return [0, 2]


def _copied(page, target: str) -> str:
    page.click(f"button[data-copy='{target}']")
    page.wait_for_function(f"document.querySelector(\"button[data-copy='{target}']\").textContent.includes('✓')")
    return page.evaluate("navigator.clipboard.readText()")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_chinese_document_paste_suggest_evidence_accept_copy(page, server: ServerProcess) -> None:
    page.goto(f"{server.url}/?lang=zh")
    assert page.get_attribute("html", "lang") == "zh"
    assert page.inner_text("#suggest") == "建议主题"
    page.fill("#text", CHINESE)
    labels = _suggest(page)
    assert "检测到的语言: 中文" in page.inner_text("#status")
    assert any(label == "可持续发展" for label in labels), labels
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in labels), "labels follow the UI language (zh)"

    # evidence: the text is shown with the matched passages marked; hovering a subject
    # emphasises its own passages
    marks = page.locator("#reader mark")
    assert marks.count() > 0
    assert all(text in CHINESE for text in marks.all_inner_texts())
    first = page.locator("#results li.subject").first
    first.hover()
    active = page.locator("#reader mark.active").all_inner_texts()
    assert active and all(text in CHINESE for text in active)

    # a subject's concept: labels in six languages and its neighbours
    first.locator(".label").click()
    page.wait_for_selector("#concept[open]")
    dialog = page.inner_text("#concept")
    assert "English" in dialog and "Русский" in dialog and "上位词" in dialog
    _shot(page, "web_zh_concept.png")
    page.click("#concept button[value=close]")

    accepted = _accept_reject(page)
    expected = [labels[i] for i in accepted]
    assert _copied(page, "out-lines") == "\n".join(expected)
    marc = _copied(page, "out-marc").splitlines()
    assert len(marc) == 2 and all(MARC_LINE.match(line) for line in marc), marc
    assert all(re.search(r"\$a [A-Z]", line) for line in marc), "MARC headings are the English UNBIS terms"
    _shot(page, "web_zh.png")

    # Arabic interface: right to left, labels in Arabic, accepted subjects kept
    page.click("#ui-languages button[data-lang=ar]")
    page.wait_for_function(
        "(() => { const label = document.querySelector('#results .label');"
        " return label && /[\\u0600-\\u06ff]/.test(label.textContent); })()"
    )
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.inner_text("#accepted-count") == "2"
    _shot(page, "web_ar.png")


def test_english_upload_suggest_evidence_accept_copy(page, server: ServerProcess, tmp_path: Path) -> None:
    upload = tmp_path / "A_RES_draft.txt"
    upload.write_text(ENGLISH_UN_FILE, encoding="utf-8")
    page.goto(f"{server.url}/?lang=en")
    page.set_input_files("#file", str(upload))
    page.wait_for_function("document.querySelector('#text').value.includes('General Assembly')")
    assert not page.input_value("#text").startswith("%%%"), "the subject line is not part of the text"
    assert "WATER RESOURCES" in page.inner_text("#file-subjects")

    labels = _suggest(page)
    assert "Detected language: English" in page.inner_text("#status")
    assert "WATER RESOURCES" in labels and "HUMAN RIGHTS" in labels, labels
    water = page.locator("#results li.subject", has_text="WATER RESOURCES")
    assert "Subjects given in the file" in water.inner_text()
    water.hover()
    assert any("water resources" in t.lower() for t in page.locator("#reader mark.active").all_inner_texts())

    accepted = _accept_reject(page)
    assert _copied(page, "out-lines") == "\n".join(labels[i] for i in accepted)
    marc = _copied(page, "out-marc").splitlines()
    assert marc == [f"650 _7 $a {labels[i]} $2 unbist" for i in accepted]
    _shot(page, "web_en.png")

    # back to the editable text, then a fresh suggestion clears the accepted list
    page.click("#edit-text")
    assert page.is_visible("#text")
    _suggest(page)
    assert page.inner_text("#accepted-count") == "0"
