"""The playground page in a real headless Chromium (Debian's `chromium` and `chromium-driver`), driven by Selenium."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = Path(os.environ.get("TAGE_TEST_ARTIFACTS", Path(__file__).resolve().parents[3] / "test-artifacts"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1200,1000"]

pytestmark = pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                                reason=f"no {CHROMIUM} and {CHROMEDRIVER}: `apt-get install chromium chromium-driver`"
                                       " (.ci/run installs them)")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the dev extra")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def test_typing_an_instruction_shows_words_question_and_plan(start_server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import Select, WebDriverWait

    server = start_server()
    wait = WebDriverWait(browser, 120)
    browser.get(server.url + "/")
    wait.until(lambda d: len(Select(d.find_element(By.ID, "scene")).options) >= 3)
    Select(browser.find_element(By.ID, "scene")).select_by_value("kitchen")
    browser.find_element(By.ID, "instruction").send_keys("bring me the mug")
    browser.find_element(By.ID, "go").click()
    question = wait.until(shown.visibility_of_element_located((By.CSS_SELECTOR, "#question p")))
    assert question.text.startswith("Which mug do you mean")
    marks = browser.find_elements(By.CSS_SELECTOR, "#words mark")
    labelled = {(m.text.removesuffix(label), label) for m in marks
                for label in [m.find_element(By.CLASS_NAME, "label").text]}
    assert {("bring", "BRINGING"), ("mug", "THEME")} <= labelled
    browser.find_element(By.ID, "reply").send_keys("the blue one")
    browser.find_element(By.ID, "answer").click()
    wait.until(lambda d: "handover" in d.find_element(By.ID, "plan").text)
    steps = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#plan li.step")]
    assert steps[1] == "pick(object=mug_2)" and steps[-1].startswith("handover(")
    assert "mug_2" in browser.find_element(By.ID, "bindings").text and not browser.find_element(By.ID, "errors").text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "playground.png"))
