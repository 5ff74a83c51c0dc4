// Delivering the outbox from the CLI (`wardwatch outbox deliver`, and `wardwatch alerts` after it has
// enqueued its digests): the same dispatcher as `serve`, over the platforms this process can reach
// without running a chat app: the local channels (the store's message log: a running page shows them
// through its tail) and Slack by Web API when SLACK_BOT_TOKEN (or OAuth installs) is set. It delivers
// what is due now and returns; what waits for a retry, quiet hours or a platform it cannot reach stays in
// the outbox for the service.
import { chartAltText } from '../charts/index.ts';
import type { Config } from '../config/schema.ts';
import type { Store } from '../store/types.ts';
import { LocalPlatform, MessageBus, StoreMessageLog } from '../surfaces/local/local-platform.ts';
import { slackDeliveryPlatform } from '../surfaces/slack/index.ts';
import { chartRendererFor } from './charts.ts';
import { replicaId } from './coordination.ts';
import { dispatcherSettingsFromEnv, OutboxDispatcher, type DeliveryOutcome, type Platforms } from './outbox.ts';

/** The platforms a CLI process can deliver through. */
export function deliveryPlatforms(options: { store: Store; env: NodeJS.ProcessEnv; log: (line: string) => void }): Platforms {
  const platforms: Platforms = { local: new LocalPlatform(new StoreMessageLog(options.store), new MessageBus()) };
  const slack = slackDeliveryPlatform({ store: options.store, env: options.env, log: options.log, renderChart: chartRendererFor(options.store), chartAltText });
  if (slack) platforms.slack = slack;
  return platforms;
}

export interface DeliverOptions {
  store: Store;
  config: Config;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Each delivery as it happens (progress lines). */
  onOutcome?: (o: DeliveryOutcome) => void;
  platforms?: Platforms;
  now?: () => Date;
}

/** Delivers everything due now; returns what happened to each message it touched. */
export async function deliverOutboxNow(options: DeliverOptions): Promise<DeliveryOutcome[]> {
  const dispatcher = new OutboxDispatcher({
    store: options.store,
    config: options.config,
    platforms: options.platforms ?? deliveryPlatforms(options),
    owner: `cli:${replicaId(options.env)}`,
    log: options.log,
    ...(options.now ? { now: options.now } : {}),
    ...dispatcherSettingsFromEnv(options.env),
  });
  return dispatcher.drain(options.onOutcome ? { onOutcome: options.onOutcome } : {});
}
