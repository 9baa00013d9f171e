package dev.sluice.gateway.testing;

import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium driven through its ChromeDriver (packages {@code chromium} and {@code
 * chromium-driver}, installed by {@code scripts/ensure-backends.sh --for-tests}): both binaries are
 * given, so Selenium looks nothing up and downloads nothing.
 */
public final class HeadlessChromium {
  private static final String HINT = "run scripts/ensure-backends.sh --for-tests";

  private HeadlessChromium() {}

  /** A new browser session; the caller quits it. */
  public static ChromeDriver start() {
    Path chromium = Executables.onPath("chromium", HINT);
    Path driver = Executables.onPath("chromedriver", HINT);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--window-size=1400,1000");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(driver.toFile())
            .usingAnyFreePort()
            .withTimeout(Duration.ofSeconds(60))
            .build();
    return new ChromeDriver(service, options);
  }
}
