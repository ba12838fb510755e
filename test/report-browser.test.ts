// The HTML report as a person sees it: rendered by Debian's Chromium
// (headless, JavaScript off), asserted from the laid-out page (what is
// visible, where the bars are), not from the HTML source. Screenshots and the
// rendered pages are kept in test-artifacts/ for CI to archive.
//
// playwright-core drives the installed /usr/bin/chromium and never downloads
// a browser. `chromium.launch()` refuses a --user-data-dir argument, so a
// fresh profile (mkdtemp) goes through launchPersistentContext, which takes
// the same executablePath, args and headless options.

import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExecutionReport } from "../src/execution/model.js";
import { renderHtml } from "../src/report/html.js";
import { Secrets } from "../src/secrets/secrets.js";
import {
  abortReport,
  backfillReports,
  FAILING_STATE,
  failureReport,
  GLUE_ERROR_MESSAGE,
  longReport,
  PIPELINE_STATES,
  RETRIED_STATE,
  successReport,
  T0,
  timeoutReport,
} from "./helpers/reports.js";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = join(import.meta.dirname, "..");
export const SCREENSHOTS = join(ROOT, "test-artifacts", "screenshots");
const PAGES = join(ROOT, "test-artifacts", "pages");
const NOW = T0 + 600_000;

const available = existsSync(CHROMIUM);
if (!available) {
  console.warn(
    `report-browser: SKIPPED, ${CHROMIUM} is absent. Install Debian's chromium ` +
      "(apt-get install -y --no-install-recommends chromium; .ci/run does) to render the HTML report.",
  );
}

let context: BrowserContext;
let profile: string;
/** Every request the pages made to anything but their own file: must stay empty. */
const requests: string[] = [];
const measurements: Record<string, { bytes: number; renderMs: number }> = {};

/** Write the page as a CI artifact and open it from disk, as from a Jenkins artifact. */
async function open(
  name: string,
  reports: readonly ExecutionReport[],
): Promise<{ page: Page; ms: number; bytes: number }> {
  const html = renderHtml(reports, { secrets: new Secrets(), now: NOW });
  const file = join(PAGES, `${name}.html`);
  await writeFile(file, html);
  const page = await context.newPage();
  const started = performance.now();
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  // Layout is done once the last bar of the last chart has a box.
  await page.locator("svg.timeline").last().locator("rect").last().boundingBox();
  const ms = performance.now() - started;
  const bytes = Buffer.byteLength(html);
  measurements[name] = { bytes, renderMs: Math.round(ms) };
  return { page, ms, bytes };
}

async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
}

type Box = NonNullable<Awaited<ReturnType<Locator["boundingBox"]>>>;

async function box(locator: Locator): Promise<Box> {
  const found = await locator.boundingBox();
  if (!found) throw new Error(`not laid out: ${locator}`);
  return found;
}

/** The bars (attempts, not the waits between them) whose hover text starts with `name`. */
function barsOf(chart: Locator, name: string): Locator {
  const hover = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[:,]`);
  return chart
    .locator('g[class^="bar-"]:not(.bar-wait) > rect')
    .filter({ has: chart.page().locator("title", { hasText: hover }) });
}

/** Visible bars with a width, their left edges in the order given. */
async function expectBarsInOrder(chart: Locator, names: readonly string[]): Promise<Box[]> {
  const firsts: Box[] = [];
  for (const name of names) {
    const bars = barsOf(chart, name);
    const count = await bars.count();
    expect(count, `bars of ${name}`).toBeGreaterThan(0);
    for (let i = 0; i < count; i++) {
      const bar = bars.nth(i);
      expect(await bar.isVisible(), `bar ${i + 1} of ${name} visible`).toBe(true);
      expect((await box(bar)).width, `bar ${i + 1} of ${name} has a width`).toBeGreaterThan(0);
    }
    firsts.push(await box(bars.first()));
  }
  for (let i = 1; i < firsts.length; i++) {
    expect(firsts[i]?.x, `${names[i]} starts right of ${names[i - 1]}`).toBeGreaterThan(
      firsts[i - 1]?.x ?? 0,
    );
  }
  return firsts;
}

/** A visible label on the same row as a bar: its vertical middle within the bar's height. */
function sameRow(label: Box, bar: Box): boolean {
  const middle = label.y + label.height / 2;
  return middle >= bar.y - 2 && middle <= bar.y + bar.height + 2;
}

describe.skipIf(!available)(
  available
    ? "the HTML report in Chromium (JavaScript off)"
    : `the HTML report in Chromium: SKIPPED, no ${CHROMIUM}`,
  () => {
    beforeAll(async () => {
      await mkdir(SCREENSHOTS, { recursive: true });
      await mkdir(PAGES, { recursive: true });
      profile = await mkdtemp(join(tmpdir(), "batchinf-chromium-"));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--no-first-run",
        ],
        javaScriptEnabled: false,
        viewport: { width: 1280, height: 900 },
      });
      // Fail fast: a locator that finds nothing should not wait for the test timeout.
      context.setDefaultTimeout(3_000);
      context.on("request", (request) => {
        if (!request.url().startsWith("file:")) requests.push(request.url());
      });
    });

    afterAll(async () => {
      await context?.close();
      if (profile) await rm(profile, { recursive: true, force: true });
      if (Object.keys(measurements).length > 0) {
        await writeFile(join(SCREENSHOTS, "measurements.json"), `${JSON.stringify(measurements, null, 2)}\n`);
        console.info(`report-browser: ${JSON.stringify(measurements)}`);
      }
      expect(requests, "requests to the network").toEqual([]);
    });

    it("a failing run: the status, a bar per step that ran in order, the retry, the failing step marked, the log tail", async () => {
      const { page } = await open("failure", [failureReport()]);
      expect(await page.locator("p.outcome").getByText("FAILED", { exact: true }).isVisible()).toBe(true);
      expect(
        await page.getByText("Failed after 8m52s: step MapDefectCodes failed", { exact: false }).isVisible(),
      ).toBe(true);
      const chart = page.locator("section.execution svg.timeline");
      const ran = PIPELINE_STATES.slice(0, 3);
      const bars = await expectBarsInOrder(chart, ran);

      // The failing step: a visible marker on its row, its status in words.
      const marker = chart.getByText("✖ failed here");
      expect(await marker.isVisible()).toBe(true);
      expect(sameRow(await box(marker), bars[2] as Box)).toBe(true);
      const failingName = chart.locator("text", { hasText: new RegExp(`^${FAILING_STATE}$`) });
      expect(sameRow(await box(failingName), bars[2] as Box)).toBe(true);

      // The retried step: two bars, the first hatched as a retried attempt, and a label.
      expect(await barsOf(chart, RETRIED_STATE).count()).toBe(2);
      expect(await chart.locator("g.bar-retry > rect").count()).toBe(1);
      expect(await chart.getByText("↻ retried once").isVisible()).toBe(true);
      expect(await chart.getByText("succeeded after 1 retry").isVisible()).toBe(true);

      // The steps that never ran say so and have no bar.
      expect(await chart.getByText("never reached").count()).toBe(3);
      for (const state of PIPELINE_STATES.slice(3)) expect(await barsOf(chart, state).count()).toBe(0);

      expect(await page.getByRole("heading", { name: "Why it failed" }).isVisible()).toBe(true);
      expect(await page.locator("pre.log").getByText(GLUE_ERROR_MESSAGE, { exact: false }).isVisible()).toBe(
        true,
      );
      expect(
        await page
          .getByRole("link", { name: "Open this execution in the AWS Step Functions console" })
          .isVisible(),
      ).toBe(true);
      await screenshot(page, "failure");
      await page.close();
    });

    it("a 10-date backfill: a summary row and an overview row per date, bars on one axis, the failed date marked", async () => {
      const reports = backfillReports(10);
      const { page } = await open("backfill-10-dates", reports);
      const table = page.locator("section.summary table");
      expect(await table.locator("tbody tr").count()).toBe(10);
      const failedRow = table.locator("tr", { hasText: "2023-10-04" });
      expect(await failedRow.getByText("failed", { exact: true }).isVisible()).toBe(true);
      expect(await failedRow.getByText(FAILING_STATE).isVisible()).toBe(true);

      const overview = page.locator("section.overview svg.timeline");
      const rows: Box[] = [];
      for (const report of reports) {
        const label = report.label ?? "";
        const name = overview.getByText(label, { exact: true });
        expect(await name.isVisible(), `${label} in the overview`).toBe(true);
        rows.push(await box(name));
        // Every step of the date has a visible bar on the date's row, left to right.
        const ran = report.states.map((run) => `${label} ${run.name}`);
        const bars = await expectBarsInOrder(overview, ran);
        for (const bar of bars)
          expect(sameRow(await box(name), bar), `${label}'s bars on its row`).toBe(true);
      }
      // Dates top to bottom; the shared axis puts later dates further right.
      for (let i = 1; i < rows.length; i++) expect(rows[i]?.y).toBeGreaterThan(rows[i - 1]?.y ?? 0);
      const firstBar = await box(barsOf(overview, `2023-10-01 ${PIPELINE_STATES[0]}`).first());
      const lastBar = await box(barsOf(overview, `2023-10-10 ${PIPELINE_STATES[0]}`).first());
      expect(lastBar.x).toBeGreaterThan(firstBar.x + 200);
      const marker = overview.getByText(`✖ ${FAILING_STATE}`);
      expect(await marker.isVisible()).toBe(true);
      expect(sameRow(await box(marker), rows[3] as Box)).toBe(true);

      // The failed date's section is open with its own timeline; succeeded dates are folded away.
      const failed = page.locator("details#exec-3");
      expect(await failed.getByText("✖ failed here").isVisible()).toBe(true);
      expect(await page.locator("details#exec-0 svg.timeline").isVisible()).toBe(false);
      expect(await page.locator("details#exec-0 > summary").getByText("succeeded").isVisible()).toBe(true);
      await screenshot(page, "backfill-10-dates");
      await page.close();
    });

    it("a success, a timeout and an abort: the status in words and the running step marked", async () => {
      const cases: Array<[string, ExecutionReport, string, string | undefined]> = [
        ["success", successReport(), "SUCCEEDED", undefined],
        ["timeout", timeoutReport(), "STILL RUNNING: BATCHINF TIMED OUT WAITING", "▶ still running"],
        ["abort", abortReport(), "ABORTED: STOPPED ON SIGTERM", "■ stopped here"],
      ];
      for (const [name, report, status, marker] of cases) {
        const { page } = await open(name, [report]);
        expect(await page.locator("p.outcome").getByText(status, { exact: true }).isVisible(), name).toBe(
          true,
        );
        const chart = page.locator("section.execution svg.timeline");
        const bars = await expectBarsInOrder(
          chart,
          report.states.map((run) => run.name),
        );
        if (marker) {
          const label = chart.getByText(marker);
          expect(await label.isVisible(), `${name}: ${marker}`).toBe(true);
          expect(sameRow(await box(label), bars.at(-1) as Box)).toBe(true);
        }
        await screenshot(page, name);
        await page.close();
      }
    });

    it("1,000 steps: under 1 MB and rendered in under 2 s, one report or a long backfill", async () => {
      const pages: Array<[string, ExecutionReport[]]> = [
        ["long-1000-steps", [longReport(1_000)]],
        ["backfill-168-dates", backfillReports(168, { failOn: ["2023-10-04", "2023-12-25"] })],
      ];
      for (const [name, reports] of pages) {
        const states = reports.reduce((sum, report) => sum + report.states.length, 0);
        expect(states).toBeGreaterThanOrEqual(1_000);
        const { page, ms, bytes } = await open(name, reports);
        expect(bytes, `${name} size`).toBeLessThan(1_000_000);
        expect(ms, `${name} render time`).toBeLessThan(2_000);
        const last = page.locator("svg.timeline").last().locator('g[class^="bar-"] > rect').last();
        expect(await last.isVisible()).toBe(true);
        expect((await box(last)).width).toBeGreaterThan(0);
        await screenshot(page, name, false);
        await page.close();
      }
    });
  },
);
