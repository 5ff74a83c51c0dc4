// Builds the local-channel app around a given store and listens on 127.0.0.1:0.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Store } from '../../src/store/types.ts';
import { createApp, type LocalAppOptions } from '../../src/surfaces/local/app.ts';
import { ChartLinks, type ChartPngRenderer } from '../../src/charts/links.ts';
import type { StoredChartRequest } from '../../src/store/types.ts';
import { LocalPlatform, MemoryMessageLog, MessageBus } from '../../src/surfaces/local/local-platform.ts';
import { Scheduler } from '../../src/service/scheduler.ts';
import { ServiceState } from '../../src/service/state.ts';

export const TEST_CONFIG = `
forceArea: { name: Cambridgeshire Constabulary, districts: [E07000008, E07000010] }
timezone: Europe/London
partnerships:
  - { id: cambridge, name: Cambridge City Community Safety Partnership, areas: [E07000008] }
  - { id: fenland, name: Fenland Community Safety Partnership, areas: [E07000010] }
channels:
  - { name: cambridge-csp, platform: local, partnership: cambridge }
  - { name: fenland-csp, platform: local, partnership: fenland }
  - { name: cambridge-slack, platform: slack, slackChannelId: C0123456789, partnership: cambridge }
`;

export function testConfig(): Config {
  return parseConfig(TEST_CONFIG, 'test.yaml').config;
}

/** Enough of a Store for the server's own behaviour (health, history, vocabulary). */
export function fakeStore(months = ['2024-03', '2024-04'], options: { broken?: boolean } = {}): Store {
  const areas = [
    { code: 'E07000008', name: 'Cambridge', type: 'district', parentCode: null },
    { code: 'E07000010', name: 'Fenland', type: 'district', parentCode: null },
    { code: 'E05013057', name: 'Market', type: 'ward', parentCode: 'E07000008' },
    { code: 'E05013050', name: 'Abbey', type: 'ward', parentCode: 'E07000008' },
    { code: 'E05011234', name: 'March North', type: 'ward', parentCode: 'E07000010' },
  ] as const;
  const check = () => {
    if (options.broken) throw new Error('database disk image is malformed');
  };
  const charts = new Map<string, StoredChartRequest>();
  return {
    kind: 'sqlite',
    location: ':fake:',
    months: async () => (check(), months),
    realMonths: async () => (check(), months),
    areas: async (type?: string) => areas.filter((a) => !type || a.type === type),
    area: async (code: string) => areas.find((a) => a.code === code),
    areasByCode: async (codes: readonly string[]) => new Map(areas.filter((a) => codes.includes(a.code)).map((a) => [a.code, a])),
    async saveChartRequest(row: StoredChartRequest) {
      charts.set(row.id, { ...row, request: JSON.parse(JSON.stringify(row.request)) as unknown });
    },
    chartRequest: async (id: string, now: Date) => {
      const row = charts.get(id);
      return row && row.expiresAt > now.toISOString() ? row : undefined;
    },
    lastJobFires: async () => new Map(),
    async close() {},
  } as unknown as Store;
}

export interface Harness {
  base: string;
  state: ServiceState;
  platform: LocalPlatform;
  messages: MemoryMessageLog;
  bus: MessageBus;
  /** Ends the open event streams, as a graceful shutdown does. */
  closeStreams(): void;
  scheduler: Scheduler;
  config: Config;
  close(): Promise<void>;
}

export async function startHarness(
  options: { store?: Store | null; ready?: boolean; renderer?: ChartPngRenderer | null } & Partial<
    Pick<LocalAppOptions, 'binding' | 'simulateMonth' | 'resetSimulation' | 'storeFile'>
  > = {},
): Promise<Harness> {
  const config = testConfig();
  const state = new ServiceState();
  const store = options.store === undefined ? fakeStore() : options.store;
  if (store) state.attachStore(store);
  if (options.ready !== false) state.ready();
  const messages = new MemoryMessageLog();
  const bus = new MessageBus();
  const scheduler = new Scheduler({ timezone: config.timezone, log: () => {} });
  const { app, closeStreams } = createApp({
    config,
    state,
    scheduler,
    messages,
    bus,
    // Chart links live in the store; with no store open, in a fake one of their own.
    charts: new ChartLinks(store ?? fakeStore(), options.renderer ?? null),
    binding: options.binding ?? { token: null, loopback: true },
    simulateMonth: options.simulateMonth ?? null,
    resetSimulation: options.resetSimulation ?? null,
    ...(options.storeFile ? { storeFile: options.storeFile } : {}),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    state,
    platform: new LocalPlatform(messages, bus),
    messages,
    bus,
    closeStreams,
    scheduler,
    config,
    async close() {
      closeStreams();
      await scheduler.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
