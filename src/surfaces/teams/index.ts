// The Teams surface: the bot on the Teams SDK (bot.ts), Adaptive Cards for a Reply (cards.ts), the
// ChatPlatform adapters for `platform: teams` (platform.ts) and `platform: teams-webhook` (webhook.ts),
// and the routes the service mounts (routes.ts). See settings.ts for the environment it reads.
export { startTeams, TEAMS_PREFIX, MESSAGING_ENDPOINT, type TeamsHandle, type StartTeamsOptions } from './bot.ts';
export { replyCard, cardMessage, cardBytes, unlinkedCard, CARD_MAX_BYTES, CARD_VERSION, type AdaptiveCard, type CardOptions } from './cards.ts';
export { TeamsPlatform } from './platform.ts';
export { TeamsWebhookPlatform, webhookHost } from './webhook.ts';
export { mountTeamsRoutes } from './routes.ts';
export { AckLinks, CARD_CHART_PATH, ACK_PATH, cardChartUrl } from './links.ts';
export { teamsSettings, publicUrl, type TeamsSettings } from './settings.ts';
