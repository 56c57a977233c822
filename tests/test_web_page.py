"""The cataloguers' web page in a real headless Chromium against ``undex serve`` on 127.0.0.1:
paste or upload -> suggest -> evidence highlighted -> concept -> accept/reject -> copy, and the
cataloguing loop: add subjects found by searching in Chinese and French, save the decisions,
reload and find them saved, download MARCXML, export them as a corpus that ``undex eval`` scores.

Needs Debian's ``chromium`` and ``fonts-noto-cjk`` (installed by .ci/run). Screenshots go to
tests/artifacts/ (not committed).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pymarc
import pytest
from server_process import ServerProcess

from undex.corpus import read_document_file

pytestmark = [pytest.mark.browser, pytest.mark.subprocess, pytest.mark.slow]

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
TOKEN = "cataloguer-token-for-the-browser-test"
SYMBOL = "E/CN.17/2004/TEST"


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
def web_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The projects file and the feedback database of the server under test."""
    folder = tmp_path_factory.mktemp("web")
    _projects_file(folder / "projects.toml")
    return folder


@pytest.fixture(scope="module")
def server(unbis_datadir: Path, web_dir: Path) -> Iterator[ServerProcess]:
    options = ("--feedback-db", str(web_dir / "feedback.sqlite3"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("UNDEX_API_TOKEN", TOKEN)
        with ServerProcess(web_dir / "projects.toml", unbis_datadir, options) as running:
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


# ------------------------------------------------------------- the cataloguing loop


def _search(page, query: str) -> list[dict]:
    """Type ``query`` into the add-a-subject box; the options offered (label, matched label)."""
    page.fill("#add-subject", "")
    with page.expect_response(lambda r: "/search?" in r.url and r.status == 200):
        page.type("#add-subject", query)
    page.wait_for_selector("#add-options:not([hidden]) li[role=option]")
    return page.evaluate(
        """[...document.querySelectorAll('#add-options li[role=option]')].map((li) => ({
             label: li.querySelector('.label').textContent, uri: li.dataset.uri, taken: li.classList.contains('taken'),
             matched: (li.querySelector('.matched') || {}).textContent || null,
             matchedLanguage: (li.querySelector('.matched') || {lang: null}).lang || null }))"""
    )


def _undex(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "undex", *args], capture_output=True, text=True, timeout=300)


def test_seed_accept_add_save_reload_marcxml_export_and_eval(
    page, server: ServerProcess, web_dir: Path, unbis_datadir: Path, seed_path: Path, tmp_path: Path
) -> None:
    """The loop of issue 17: index the seed, accept 8 subjects, add one found by searching
    水资源 (and look one up in French), save, reload and see it saved, get MARCXML, and
    export the decisions as a corpus record that `undex eval lexical-zh` scores."""
    page.goto(f"{server.url}/?lang=zh")
    page.set_input_files("#file", str(seed_path))
    page.wait_for_function("document.querySelector('#text').value.length > 1000")
    page.fill("#document-id", SYMBOL)
    page.fill("#limit", "12")
    labels = _suggest(page)
    assert len(labels) == 12
    boxes = page.locator("#results li.subject input[type=checkbox]")
    for i in range(8):
        boxes.nth(i).check()
    suggested = page.evaluate("[...document.querySelectorAll('#results li.subject')].map((li) => li.dataset.uri)")

    # search in Chinese: 水资源 itself first, then the concepts that contain it
    options = _search(page, "水资源")
    assert options[0]["label"] == "水资源", options
    assert all("水资源" in o["label"] or "水资源" in (o["matched"] or "") for o in options[:3]), options
    chosen = next(o for o in options if o["uri"] not in suggested)
    page.locator(f"#add-options li[data-uri='{chosen['uri']}']").dispatch_event("mousedown")
    assert page.locator("#added li.added-subject").all_inner_texts()[0].startswith("+")
    assert chosen["label"] in page.inner_text("#added")
    assert page.inner_text("#accepted-count") == "9"
    assert page.inner_text("#out-lines").splitlines()[-1] == chosen["label"]

    # search in French: the French label matches, the option is labelled in the interface language
    options = _search(page, "ressources en eau")
    assert options[0]["label"] == "水资源" and options[0]["matched"] == "ressources en eau", options
    assert options[0]["matchedLanguage"] == "fr"
    page.press("#add-subject", "Escape")
    _shot(page, "web_zh_added.png")

    # save: token and name are asked once, then kept for the browser session
    page.click("#save")
    page.wait_for_selector("#credentials[open]")
    page.fill("#cataloguer", "测试编目员")
    page.fill("#token", TOKEN)
    with page.expect_response(lambda r: r.url.endswith("/v1/undex/feedback") and r.request.method == "POST") as saved:
        page.click("#credentials button[value=ok]")
    assert saved.value.status == 201, saved.value.text()
    page.wait_for_function("document.querySelector('#save-status').textContent.includes('✓')")
    assert "已保存" in page.inner_text("#save-status")

    # MARCXML of the kept subjects: 191 the symbol, one 650 _7 per subject, read back by pymarc
    with page.expect_download() as download:
        page.click("#download-marc")
    [record] = pymarc.parse_xml_to_array(download.value.path())
    assert record["191"]["a"] == SYMBOL
    fields = record.get_fields("650")
    assert [f["0"] for f in fields] == suggested[:8] + [chosen["uri"]]
    assert all(f.indicators.second == "7" and f["2"] == "unbist" and f["a"] for f in fields)

    # reload: the decisions are on the server; "Recent" shows them without asking again
    page.reload()
    page.click("#show-recent")
    item = page.locator("#recent-list li.recent-item").first
    item.wait_for()
    assert not page.locator("#credentials[open]").count()
    text = item.inner_text()
    assert SYMBOL in text and "测试编目员" in text and "lexical-zh" in text
    assert f"+ {chosen['label']}" in text and "4 个未采用" in text
    _shot(page, "web_zh_recent.png")

    # the decisions as a corpus that `undex eval` scores
    corpus = tmp_path / "reviewed.jsonl"
    exported = _undex("feedback", "export", str(corpus), "--project", "lexical-zh", "--datadir", str(unbis_datadir),
                      "--feedback-db", str(web_dir / "feedback.sqlite3"))  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    [row] = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    assert row["id"] == SYMBOL and row["lang"] == "zh" and len(row["labels_unbis"]) == 9
    assert row["text"] == read_document_file(seed_path).text
    scored = _undex("eval", "lexical-zh", str(corpus), "--format", "json", "--projects", str(web_dir / "projects.toml"),
                    "--datadir", str(unbis_datadir))  # fmt: skip
    assert scored.returncode == 0, scored.stderr
    metrics = json.loads(scored.stdout)
    assert metrics["Documents evaluated"] == 1
    assert (metrics["True positives"], metrics["False negatives"]) == (8, 1), (
        "the 8 accepted are found, the added is not"
    )
