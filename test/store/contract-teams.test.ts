// The Store contract for Teams conversation references and link secrets (migration 7), on both stores:
// what the bot records on install and on each message, what a proactive post reads back, and the one
// link-signing secret every replica shares.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store, TeamsConversationRef } from '../../src/store/types.ts';
import { openPostgresStore, openSqliteStore } from '../../src/store/kysely.ts';
import { tempStoreOn, type DialectStore } from '../helpers/store.ts';

const channelRef = (over: Partial<TeamsConversationRef> = {}): Omit<TeamsConversationRef, 'firstSeenAt'> => ({
  conversationId: '19:abc@thread.tacv2',
  conversationType: 'channel',
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
  tenantId: 'tenant-1',
  botId: '28:app-id',
  teamId: '19:general@thread.tacv2',
  name: 'Community safety',
  installed: true,
  updatedAt: '2024-05-01T09:00:00.000Z',
  ...over,
});

describe.each(['sqlite', 'postgres'] as const)('Teams store contract: %s', (kind) => {
  let t: DialectStore;
  let store: Store;
  beforeAll(async () => {
    t = await tempStoreOn(kind);
    store = t.store;
  });
  afterAll(async () => t?.cleanup());

  it('is at schema version 7 or later, with both tables', async () => {
    expect(await store.schemaVersion()).toBeGreaterThanOrEqual(7);
    expect(await store.teamsConversations()).toEqual([]);
  });

  it('saves a reference and reads it back; unknown ids are undefined', async () => {
    await store.saveTeamsConversation(channelRef());
    expect(await store.teamsConversation('19:abc@thread.tacv2')).toEqual({ ...channelRef(), firstSeenAt: '2024-05-01T09:00:00.000Z' });
    expect(await store.teamsConversation('19:nope@thread.tacv2')).toBeUndefined();
  });

  it('a later message refreshes the reference, keeps the first sighting and a name it does not repeat', async () => {
    await store.saveTeamsConversation(channelRef({ serviceUrl: 'https://smba.trafficmanager.net/uk/', name: null, teamId: null, updatedAt: '2024-06-01T09:00:00.000Z' }));
    const ref = await store.teamsConversation('19:abc@thread.tacv2');
    expect(ref).toMatchObject({
      serviceUrl: 'https://smba.trafficmanager.net/uk/',
      name: 'Community safety',
      teamId: '19:general@thread.tacv2',
      firstSeenAt: '2024-05-01T09:00:00.000Z',
      updatedAt: '2024-06-01T09:00:00.000Z',
      installed: true,
    });
  });

  it('lists every conversation by id, and marks one removed without forgetting it', async () => {
    await store.saveTeamsConversation(channelRef({ conversationId: '19:chat@thread.v2', conversationType: 'groupChat', teamId: null, name: 'Partners chat' }));
    await store.saveTeamsConversation(channelRef({ conversationId: 'a:1personal', conversationType: 'personal', teamId: null, name: null }));
    expect((await store.teamsConversations()).map((r) => [r.conversationId, r.conversationType])).toEqual([
      ['19:abc@thread.tacv2', 'channel'],
      ['19:chat@thread.v2', 'groupChat'],
      ['a:1personal', 'personal'],
    ]);
    await store.markTeamsConversationRemoved('19:chat@thread.v2', '2024-07-01T00:00:00.000Z');
    expect(await store.teamsConversation('19:chat@thread.v2')).toMatchObject({ installed: false, updatedAt: '2024-07-01T00:00:00.000Z', name: 'Partners chat' });
    // Installed again: the flag comes back.
    await store.saveTeamsConversation(
      channelRef({ conversationId: '19:chat@thread.v2', conversationType: 'groupChat', teamId: null, name: null, updatedAt: '2024-08-01T00:00:00.000Z' }),
    );
    expect(await store.teamsConversation('19:chat@thread.v2')).toMatchObject({ installed: true, name: 'Partners chat' });
  });

  it('the link secret is the first caller`s, on this and on another connection (another replica)', async () => {
    expect(await store.linkSecret('ack-links', 'first-secret-value')).toBe('first-secret-value');
    expect(await store.linkSecret('ack-links', 'second-secret-value')).toBe('first-secret-value');
    const other = kind === 'sqlite' ? await openSqliteStore(t.location) : await openPostgresStore(t.location);
    try {
      expect(await other.linkSecret('ack-links', 'third')).toBe('first-secret-value');
      expect(await other.linkSecret('other-links', 'another-secret')).toBe('another-secret');
      expect(await other.teamsConversation('19:abc@thread.tacv2')).toMatchObject({ name: 'Community safety' });
    } finally {
      await other.close();
    }
  });
});
