/**
 * The dashboard in repository mode, against a repository filled by real backups and drills
 * of a real PostgreSQL (see _dashboard-fixture.ts): the JSON API, the `lifeboat dashboard`
 * command, and the front-end in a real headless Chromium driven by playwright-core (keyboard
 * navigation into an application, charts drawn from the real data, no console or CSP
 * errors, the axe-core WCAG 2.1 A/AA rules on every view, a screenshot). `npm run docs:screenshot` runs this file and also writes the
 * screenshot to docs/dashboard-application.png.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDashboardServer,
  RepositorySource,
  type ApplicationDetail,
  type ApplicationSummary,
  type BlueprintView,
  type DashboardInfo,
  type DashboardServer,
  type RepositoryView,
  type RunningAction,
} from '../../engine/dashboard/index.ts';
import { useServer } from '../../testcontainers/index.ts';
import { buildDashboardFixture, type DashboardFixture } from './_dashboard-fixture.ts';

const CLI = resolve(import.meta.dirname, '../../engine/cli/main.ts');
const CHROMIUM = process.env.LIFEBOAT_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = process.env.LIFEBOAT_DASHBOARD_SCREENSHOT;

/** Evaluate an expression in the page (a string: this test is compiled without DOM types). */
const inPage = <T>(page: Page, expression: string): Promise<T> => page.evaluate<T>(expression);

describe('dashboard in repository mode', () => {
  let fixture: DashboardFixture;
  let server: DashboardServer;
  let base: string;
  const get = async (path: string): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    fixture = await buildDashboardFixture(await useServer('postgres'));
    server = createDashboardServer({ source: new RepositorySource(fixture.repo) });
    const address = await server.listen(0);
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await (server as DashboardServer | undefined)?.close();
    await (fixture as DashboardFixture | undefined)?.cleanup();
  });

  it('lists the application with its last backup, last drill and actual RPO', async () => {
    const { status, body: raw } = await get('/api/applications');
    const body = raw as ApplicationSummary[];
    expect(status).toBe(200);
    const app = body.find((a) => a.name === fixture.app);
    expect(app).toBeDefined();
    expect(app?.status).toBe('protected');
    expect(app?.members).toEqual(['orders', 'stock']);
    expect(app?.lastBackup?.id).toBe(fixture.backupIds.at(-1));
    expect(app?.lastDrill?.passed).toBe(true);
    expect(app?.lastDrill?.backupId).toBe(fixture.backupIds[3]);
    expect(app?.rpo.actualSeconds).toBeGreaterThanOrEqual(0);
    expect(app?.rpo.actualSeconds).toBeLessThan(600);
    expect(app?.rpo.policySeconds).toBeNull();
  });

  it('shows one application: members, guarantees, backups with freeze windows, drills with per-table differences', async () => {
    const { status, body: raw } = await get(`/api/applications/_/${fixture.app}`);
    const body = raw as ApplicationDetail;
    expect(status).toBe(200);
    expect(body.consistency).toBe('app');
    expect(body.memberDetails.map((m) => [m.name, m.engine, m.strategy])).toEqual([
      ['orders', 'postgres', 'logical'],
      ['stock', 'postgres', 'logical'],
    ]);
    for (const m of body.memberDetails) expect(m.guarantee).toMatch(/\w/);
    expect(body.backups.map((b) => b.id)).toEqual(fixture.backupIds);
    for (const b of body.backups) {
      expect(b.phase).toBe('Succeeded');
      expect(b.durationSeconds).toBeGreaterThan(0);
      expect(b.freezeWindowMs).toBeGreaterThanOrEqual(0);
      expect(b.storedBytes).toBeGreaterThan(0);
    }
    // Each backup has more orders than the one before.
    const sizes = body.backups.map((b) => b.bytes ?? 0);
    expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);
    // What each backup added to the repository adds up to everything the repository stores.
    const repos = (await get('/api/repositories')).body as RepositoryView[];
    expect(body.backups.reduce((n, b) => n + (b.storedBytes ?? 0), 0)).toBe(repos[0]?.storedBytes);
    expect(body.drills.map((d) => [d.backupId, d.passed])).toEqual([
      [fixture.backupIds[1], true],
      [fixture.backupIds[2], false],
      [fixture.backupIds[3], true],
    ]);
    const failed = body.drills[1];
    expect(failed?.differences).toEqual([
      {
        member: 'stock',
        table: fixture.differingTable,
        expected: { rows: 8000, hash: expect.any(String) as unknown },
        actual: { rows: 7999, hash: expect.any(String) as unknown },
      },
    ]);
    for (const [i, d] of body.drills.entries())
      expect(d.recoverySeconds).toBeCloseTo((fixture.drills[i]?.restoreMs ?? 0) / 1000, 6);

    expect((await get(`/api/applications/_/no-such-app`)).status).toBe(404);
  });

  it('reports the repository: backups, logical and stored size, dedup ratio, encryption', async () => {
    const body = (await get('/api/repositories')).body as RepositoryView[];
    expect(body).toHaveLength(1);
    const repo = body[0];
    expect(repo?.url).toBe(fixture.repoUrl);
    expect(repo?.backups).toBe(4);
    expect(repo?.encrypted).toBe(true);
    expect(repo?.immutability).toBeNull();
    // Logical bytes over unique chunk bytes, recomputed here from the manifests. Four backups
    // that mostly repeat each other share chunks (with ≥ 512 KiB chunks, appended rows also
    // rewrite the chunk they land in, so for data this small the ratio stays well below 4).
    let logical = 0;
    const unique = new Map<string, number>();
    for (const id of fixture.backupIds)
      for (const a of (await fixture.repo.readManifest(id)).artifacts) {
        logical += a.bytes;
        for (const [chunk, size] of a.chunks) unique.set(chunk, size);
      }
    expect(repo?.logicalBytes).toBe(logical);
    expect(repo?.dedupRatio).toBeCloseTo(logical / [...unique.values()].reduce((n, s) => n + s, 0), 9);
    expect(repo?.dedupRatio).toBeGreaterThan(1.1);
    expect(repo?.storedBytes).toBeLessThan(repo?.logicalBytes ?? 0);
  });

  it('lints the built-in blueprints', async () => {
    const body = (await get('/api/blueprints')).body as BlueprintView[];
    expect(body.map((b) => b.engine).sort()).toEqual(['cassandra', 'mongodb', 'mysql', 'postgres']);
    for (const b of body) {
      expect(b.lint).toEqual([]);
      expect(b.actions).toEqual(expect.arrayContaining(['backup', 'restore']));
    }
  });

  it('lists a backup in progress (its live lock) as a running action, and forgets it once aborted', async () => {
    const writer = await fixture.repo.startBackup({ app: 'in-progress' });
    try {
      const running = (await get('/api/actions')).body as RunningAction[];
      expect(running.map((a) => [a.kind, a.phase])).toEqual([['Backup', 'Running']]);
      expect(running[0]?.message).toMatch(/pid \d+/);
    } finally {
      await writer.abort();
    }
    expect((await get('/api/actions')).body).toEqual([]);
  });

  it('is read-only: no actions in repository mode, unknown paths are 404', async () => {
    const info = (await get('/api/info')).body as DashboardInfo;
    expect(info).toMatchObject({ mode: 'repository', actions: false, needsToken: false });
    const post = await fetch(`${base}/api/applications/_/${fixture.app}/backups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(post.status).toBe(405);
    expect((await fetch(`${base}/api/nothing`)).status).toBe(404);
    expect((await fetch(`${base}/../../etc/passwd`)).status).toBe(404);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await page.text()).toMatch(/<script type="module" src="app.js">/);
  });

  it('is what `lifeboat dashboard --repo URL` serves', async () => {
    const child = execa(
      process.execPath,
      [CLI, 'dashboard', '--repo', fixture.repoUrl, '--key-file', fixture.keyFile, '--port', '0'],
      {
        reject: false,
      },
    );
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /on (http:\/\/\S+\/)/.exec(out);
          if (match?.[1]) resolveUrl(match[1]);
        });
        void child.then((r) => {
          reject(new Error(`lifeboat dashboard exited ${r.exitCode}: ${r.stderr}`));
        });
      });
      const res = await fetch(`${url}api/applications`);
      expect(res.status).toBe(200);
      const apps = (await res.json()) as ApplicationSummary[];
      expect(apps.find((a) => a.name === fixture.app)?.lastBackup?.id).toBe(fixture.backupIds.at(-1));
    } finally {
      child.kill('SIGTERM');
      const r = await child;
      expect(r.exitCode).toBe(0);
    }
  });

  describe('in headless Chromium', () => {
    let browser: Browser;
    let shots: string;

    beforeAll(async () => {
      if (!existsSync(CHROMIUM))
        throw new Error(
          `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (testcontainers/install does), or set LIFEBOAT_CHROMIUM`,
        );
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      shots = await mkdtemp(join(tmpdir(), 'lifeboat-dashboard-shots-'));
    });
    afterAll(async () => {
      await (browser as Browser | undefined)?.close();
      if (shots) await rm(shots, { recursive: true, force: true });
    });

    it('opens an application by keyboard and draws its timeline and charts from the real data', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`${base}/`);
      const link = page.getByRole('link', { name: fixture.app, exact: true });
      await link.waitFor();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Applications');

      // Keyboard only: Tab until the application's link has focus, then Enter.
      let reached = false;
      for (let i = 0; i < 30 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await inPage<boolean>(
          page,
          `document.activeElement?.tagName === 'A' && document.activeElement.textContent === ${JSON.stringify(fixture.app)}`,
        );
      }
      expect(reached).toBe(true);
      // The focus indicator is visible (an outline, not the browser default removed).
      expect(await inPage<string>(page, 'getComputedStyle(document.activeElement).outlineStyle')).not.toBe(
        'none',
      );
      await page.keyboard.press('Enter');

      const heading = page.getByRole('heading', { level: 1, name: fixture.app });
      await heading.waitFor();
      expect(page.url()).toMatch(new RegExp(`#/applications/_/${fixture.app}$`));
      // focus lands on the view's heading (given a moment on a loaded machine)
      await page
        .waitForFunction(
          `document.activeElement?.textContent === ${JSON.stringify(fixture.app)}`,
          undefined,
          {
            timeout: 5000,
          },
        )
        .catch(() => undefined);
      expect(await inPage<string>(page, 'document.activeElement?.textContent')).toBe(fixture.app);

      // Members with engine, strategy and guarantee.
      const members = page.locator('section[aria-labelledby="members-h"] tbody tr');
      await members.first().waitFor();
      expect(await members.count()).toBe(2);
      expect(await members.first().textContent()).toMatch(/orders.*postgres.*logical/);

      // Timeline: one entry per backup, newest first.
      const timeline = page.locator('ol.timeline > li');
      expect(await timeline.count()).toBe(4);
      expect(await timeline.first().textContent()).toContain(fixture.backupIds[3]);

      // Three charts, each a non-empty canvas with a text alternative and a data table.
      const charts = page.locator('figure.chart');
      expect(await charts.count()).toBe(3);
      const painted = await inPage<number[]>(
        page,
        `[...document.querySelectorAll('figure.chart')].map((figure) => {
          const canvas = figure.querySelector('canvas');
          const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let inked = 0;
          for (let p = 3; p < data.length; p += 4) if (data[p] > 0) inked++;
          return inked;
        })`,
      );
      expect(painted).toHaveLength(3);
      for (const inked of painted) expect(inked).toBeGreaterThan(500);
      for (let i = 0; i < 3; i++)
        expect(await charts.nth(i).locator('[role="img"]').getAttribute('aria-label')).toMatch(/\d/);
      const durationRows = charts.nth(0).locator('details tbody tr');
      expect(await durationRows.count()).toBe(4);
      const freezeSummary = await charts.nth(1).locator('.summary').textContent();
      expect(freezeSummary).toMatch(/^4 cuts; writes were frozen \d+ ms at least/);
      expect(await charts.nth(2).locator('details tbody tr').count()).toBe(3);

      // Drill history names the table the failed drill found different.
      const drills = page.locator('section[aria-labelledby="drills-h"]');
      expect(await drills.textContent()).toContain(fixture.differingTable);
      expect(await drills.textContent()).toMatch(/expected 8000 rows, got 7999 rows/);

      const file = join(shots, 'dashboard-application.png');
      await page.screenshot({ path: file, fullPage: true });
      expect((await stat(file)).size).toBeGreaterThan(20_000);
      if (SCREENSHOT) await page.screenshot({ path: SCREENSHOT, fullPage: true });

      // The other views render too, and nothing logged an error (a CSP violation would).
      for (const [hash, title] of [
        ['#/repositories', 'Repositories'],
        ['#/blueprints', 'Blueprints'],
        ['#/actions', 'Running actions'],
      ] as const) {
        await page.goto(`${base}/${hash}`);
        await page.getByRole('heading', { level: 1, name: title }).waitFor();
      }
      await page.getByText('Nothing is running.').waitFor();
      expect(problems, problems.join('\n')).toEqual([]);
      await page.close();
    });

    it('passes the axe WCAG 2.1 A/AA checks (contrast, names, structure) on every view', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      for (const [hash, title] of [
        ['#/', 'Applications'],
        [`#/applications/_/${fixture.app}`, fixture.app],
        ['#/repositories', 'Repositories'],
        ['#/blueprints', 'Blueprints'],
        ['#/actions', 'Running actions'],
      ] as const) {
        await page.goto(`${base}/${hash}`);
        await page.getByRole('heading', { level: 1, name: title }).waitFor();
        await page.locator('.loading').waitFor({ state: 'detached' });
        const result = await new AxeBuilder({ page })
          .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
          .analyze();
        const found = result.violations.map(
          (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
        );
        expect(found, `${hash}\n${found.join('\n')}`).toEqual([]);
      }
      await context.close();
    });
  });
});
