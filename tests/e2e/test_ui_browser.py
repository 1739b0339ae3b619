"""The Dagster UI as a person sees it: a real webserver over a persistent instance, driven by Debian's
headless Chromium through Selenium. Fails when /usr/bin/chromium or /usr/bin/chromedriver is absent
(`apt-get install chromium chromium-driver`, which .ci/run does); never downloads a browser."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from locations import EMBEDDED_HUB, PROJECT_ROOT, read_lake
from dynosaur_assets.launch import stop_process

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.fail(f"{CHROMIUM} or {CHROMEDRIVER} missing: apt-get install chromium chromium-driver", pytrace=False)
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

DATASETS = ["dyno-demo/product-reviews", "acme-nlp/everyday-nli"]
ASSETS = ["hub_datasets", "hub_samples", "task_designs", "instructions", "task_rejections",
          "instruction_samples", "instruction_embeddings", "corpus_reports"]
# Runs launched from the UI start at once (no daemon here to dequeue them) in a process of their own.
INSTANCE_YAML = """run_coordinator:
  module: dagster.core.run_coordinator
  class: DefaultRunCoordinator
telemetry:
  enabled: false
"""
REPORTS = PROJECT_ROOT / "data" / "reports"
WAIT = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_server(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dagster-webserver exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"dagster-webserver did not answer {url}/server_info within {timeout} s")


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory):
    """Materialize two datasets on a persistent instance, then serve it with dagster-webserver."""
    tmp = tmp_path_factory.mktemp("ui")
    hub_dir, db, home = tmp / "hub", tmp / "store" / "catalog.sqlite", tmp / "dagster_home"
    shutil.copytree(EMBEDDED_HUB, hub_dir)
    db.parent.mkdir()
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_YAML)
    env = {"DYNOSAUR_HUB": "local", "DYNOSAUR_HUB_DIR": str(hub_dir), "DYNOSAUR_CATALOG": f"sqlite:{db}",
           "DYNOSAUR_DESIGNER": "rules", "DAGSTER_HOME": str(home)}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        import dagster as dg

        from dynosaur_assets.definitions import defs
        from dynosaur_assets.jobs import partition_range_tags

        with dg.DagsterInstance.get() as instance:
            instance.add_dynamic_partitions("hub_datasets", DATASETS)
            result = defs.resolve_job_def("dynosaur").execute_in_process(
                instance=instance, tags=partition_range_tags(DATASETS[0], DATASETS[-1])
            )
            assert result.success

        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        webserver = Path(sys.executable).parent / "dagster-webserver"
        proc = subprocess.Popen(
            [str(webserver), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=PROJECT_ROOT, env={**os.environ, **env},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            _wait_for_server(url, proc)
            yield {"url": url, "db": db, "tmp": tmp}
        finally:
            stop_process(proc, timeout_s=15)


@pytest.fixture(scope="module")
def driver(ui):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1600,1200", f"--user-data-dir={ui['tmp'] / 'chromium-profile'}"):
        options.add_argument(arg)
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    browser.set_page_load_timeout(WAIT)
    try:
        yield browser
    finally:
        browser.quit()


def _body(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def _wait_for_text(driver, needles: list[str], timeout: float = WAIT) -> str:
    """Wait until every needle is in the page's visible text; returns that text."""
    try:
        WebDriverWait(driver, timeout, poll_frequency=0.5).until(
            lambda d: all(n in _body(d) for n in needles)
        )
    except Exception:
        text = _body(driver)
        missing = [n for n in needles if n not in text]
        pytest.fail(f"{driver.current_url}: {missing} not shown after {timeout} s; page text:\n{text[:3000]}")
    return _body(driver)


def _dismiss_onboarding(driver) -> None:
    """Close the "Join the Dagster community" dialog shown on a fresh browser profile."""
    for button in driver.find_elements(By.XPATH, "//button[normalize-space()='Skip']"):
        if button.is_displayed():
            button.click()


def _buttons(driver, label: str) -> list:
    return [b for b in driver.find_elements(By.XPATH, f"//button[normalize-space()='{label}']") if b.is_displayed()]


def _launched(driver) -> bool:
    """True once the "Launched run" toast shows; confirms the warning about unmaterialized upstream assets."""
    for button in _buttons(driver, "Confirm"):
        button.click()
    return "Launched run" in _body(driver)


def _open_first_picture(driver) -> None:
    """Wait until the opened Markdown's first inline PNG has loaded."""
    def pictures(d):
        return [img for img in d.find_elements(By.TAG_NAME, "img")
                if (img.get_attribute("src") or "").startswith("data:image/png")]

    images = WebDriverWait(driver, WAIT).until(pictures)
    WebDriverWait(driver, WAIT).until(lambda d: images[0].get_attribute("naturalWidth") not in (None, "0"))


def test_asset_graph_shows_every_asset_and_the_checks(ui, driver):
    REPORTS.mkdir(parents=True, exist_ok=True)
    driver.get(f"{ui['url']}/assets")  # the catalog lists every asset key
    _wait_for_text(driver, ASSETS + ["lake_checkpoint"])
    _dismiss_onboarding(driver)

    # The global lineage starts with its groups collapsed; `expanded` opens the five of the corpus (the
    # maintenance group, no edges, stays a box). Zoomed to fit,
    # long names are middle-truncated ("instru…_embeddings"), so a prefix…suffix line counts too.
    expanded = ",".join(f"global@global:{group}" for group in ("hub", "design", "curate", "embed", "reports"))
    driver.get(f"{ui['url']}/asset-groups?expanded={urllib.parse.quote(expanded)}")

    def shown(text: str, asset: str) -> bool:
        return asset in text or any(
            "…" in line and asset.startswith(line.split("…")[0]) and asset.endswith(line.split("…")[1])
            for line in text.splitlines() if line.count("…") == 1)

    try:
        WebDriverWait(driver, WAIT).until(lambda d: all(shown(_body(d), asset) for asset in ASSETS))
    except TimeoutException:
        text = _body(driver)
        raise AssertionError(f"not shown: {[a for a in ASSETS if not shown(text, a)]}; page: {text[:3000]!r}") from None
    time.sleep(1.5)  # let the graph finish laying out before the picture
    driver.save_screenshot(str(REPORTS / "ui_asset_graph.png"))

    driver.get(f"{ui['url']}/assets/task_designs?view=checks")
    _wait_for_text(driver, ["task_designs_errors", "task_designs_warnings"])


def test_materialization_shows_preview_and_funnel(ui, driver):
    with read_lake(ui["db"]) as conn:
        instructions = [row[0] for row in conn.execute(
            "SELECT instruction FROM instructions WHERE dataset_id = ?", [DATASETS[0]]).fetchall()]
    assert instructions, f"no instructions for {DATASETS[0]} in the store"
    prefixes = {" ".join(text.split())[:40] for text in instructions}

    driver.get(f"{ui['url']}/assets/instructions?view=events&partition={DATASETS[0]}")
    _wait_for_text(driver, ["preview", "funnel"])
    WebDriverWait(driver, WAIT).until(lambda d: any(p in _body(d) for p in prefixes))

    _dismiss_onboarding(driver)
    # funnel is the first Markdown entry too big to show inline: open it ("[Show Markdown]").
    links = WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(By.XPATH, "//a[normalize-space()='[Show Markdown]']"))
    links[0].click()
    _open_first_picture(driver)
    _wait_for_text(driver, ["funnel", "Close"])
    time.sleep(0.5)
    driver.save_screenshot(str(REPORTS / "ui_materialization.png"))


def test_corpus_reports_materializes_from_the_ui(ui, driver):
    driver.get(f"{ui['url']}/assets/corpus_reports")
    _dismiss_onboarding(driver)
    WebDriverWait(driver, WAIT).until(lambda d: _buttons(d, "Materialize"))[0].click()
    WebDriverWait(driver, WAIT).until(_launched)
    toast = WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.XPATH, "//a[normalize-space()='View']"))
    driver.get(toast[0].get_attribute("href"))  # the run's page, which updates live
    _wait_for_text(driver, ["Success"], timeout=4 * WAIT)

    driver.get(f"{ui['url']}/assets/corpus_reports?view=events")
    _wait_for_text(driver, ["funnel/datasets", "verb_noun"], timeout=4 * WAIT)
    _dismiss_onboarding(driver)
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(By.XPATH, "//a[normalize-space()='[Show Markdown]']"))[0].click()
    _open_first_picture(driver)
    assert (ui["db"].parent / "reports" / "funnel.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
