// Who acknowledged (or muted), as each surface should show them. Slack records its user as a mention with
// the name the interaction carried, `<@U0123ABC|alice>`: in a Slack channel that is shown as `<@U0123ABC>`
// (Slack draws it as the person, and keeps it right when they change their name); on every other surface,
// where a mention means nothing, as the name. Anything else (a Teams user, "the local page") is shown as it is.

const SLACK_USER = /^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$/;

/** How the Slack surface records a user: a mention, with the user's name when the interaction gave one. */
export function slackUser(userId: string, name?: string | null): string {
  const clean = (name ?? '').replace(/[<>|]/g, '').trim();
  return clean ? `<@${userId}|${clean}>` : `<@${userId}>`;
}

/** `by` as a channel on `platform` should show it. */
export function whoFor(by: string, platform: string): string {
  const m = SLACK_USER.exec(by);
  if (!m) return by;
  if (platform === 'slack') return `<@${m[1]}>`;
  return m[2] || 'someone in Slack';
}
