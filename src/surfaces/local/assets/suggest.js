// What the local page suggests while a command is typed: whole commands while the first word is typed,
// a command's examples once its name and a space are typed ("top "), then places and topics for the
// words being typed. Plain browser JavaScript (an ES module, no build step), imported by local.js and
// by the tests, which run it on the vocabulary the server sends (/api/vocabulary).

/** Lower case, apostrophes dropped, "&" as "and", every other run of non-alphanumerics one space. */
export function normalise(text) {
  return text
    .toLowerCase()
    .replace(/[’'`]/g, '')
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The vocabulary as /api/vocabulary sends it, with the normalised forms `suggest` matches on. */
export function prepareVocabulary(v) {
  v.places.forEach((x) => (x.norm = normalise(x.name)));
  v.topics.forEach((t) => (t.norms = [t.label, ...t.synonyms].map(normalise)));
  // the channel's own examples (written from its partnership's places) where the server sent them
  v.usage = v.commands.flatMap((c) => (c.examples?.length ? c.examples : c.usage).map((u) => ({ command: c.name, text: u, norm: normalise(u), summary: c.summary })));
  return v;
}

export const MAX_SUGGESTIONS = 8;

/** Suggestions for `value` (what is in the box), best first, at most MAX_SUGGESTIONS. */
export function suggest(value, v) {
  const prefixMatch = /^\s*\/crime\b\s*/i.exec(value);
  const prefix = prefixMatch ? '/crime ' : value.trim().startsWith('/') ? null : '';
  if (prefix === null) {
    return '/crime'.startsWith(value.trim().toLowerCase())
      ? v.usage.slice(0, MAX_SUGGESTIONS).map((u) => ({ text: `/crime ${u.text}`, detail: u.summary, kind: 'command', value: `/crime ${u.text}` }))
      : [];
  }
  const body = prefixMatch ? value.slice(prefixMatch[0].length) : value;
  if (!body.trim()) return [];
  const out = [];
  const seen = new Set();
  const add = (s) => {
    if (!seen.has(s.value) && out.length < MAX_SUGGESTIONS) {
      seen.add(s.value);
      out.push(s);
    }
  };
  if (/\s$/.test(body)) {
    // A command's name and a space ("top "): its examples for this channel, then its topics.
    const name = normalise(body);
    const command = v.commands.find((c) => c.name && normalise(c.name) === name);
    if (!command) return [];
    for (const u of v.usage)
      if (u.command === command.name && u.norm.startsWith(`${name} `)) add({ text: `/crime ${u.text}`, detail: u.summary, kind: 'command', value: `/crime ${u.text}` });
    if (command.name === 'top' || command.name === 'compare' || command.name === 'map')
      for (const t of v.topics) {
        const typed = normalise(t.label);
        add({ text: `${name} ${typed}`, detail: 'topic', kind: 'topic', value: `${prefix}${name} ${typed} ` });
      }
    return out;
  }
  const words = body.trim().split(/\s+/);
  if (words.length === 1) {
    const w = normalise(words[0]);
    for (const u of v.usage) {
      if (u.norm.startsWith(w)) add({ text: `/crime ${u.text}`, detail: u.summary, kind: 'command', value: `/crime ${u.text}` });
    }
  }
  // the longest run of final words that starts a place or topic name is what is being typed
  for (let k = Math.min(words.length, 4); k >= 1 && out.length < MAX_SUGGESTIONS; k--) {
    const phrase = normalise(words.slice(-k).join(' '));
    if (!phrase) continue;
    const head = words.slice(0, -k).join(' ');
    const build = (name) => `${prefix}${head ? `${head} ` : ''}${name} `;
    const places = v.places.filter((p) => p.norm.startsWith(phrase) && p.norm !== phrase);
    const topics = v.topics.filter((t) => t.norms.some((n) => n.startsWith(phrase) && n !== phrase));
    const placeItem = (p) => {
      const name = p.type === 'ward' ? `${p.name.toLowerCase()} ward` : p.name.toLowerCase();
      return {
        text: name,
        detail:
          p.type === 'ward'
            ? `ward in ${p.district ?? 'the force area'}${p.inScope ? '' : ' · outside this partnership'}`
            : `district${p.inScope ? '' : ' · outside this partnership'}`,
        kind: 'place',
        value: build(name),
      };
    };
    const topicItem = (t) => {
      const typed = t.norms.find((n) => n.startsWith(phrase));
      return { text: typed, detail: typed === normalise(t.label) ? 'topic' : `topic: ${t.label}`, kind: 'topic', value: build(typed) };
    };
    // A place outside the partnership is answered with a refusal here: it comes after every topic.
    // After words already typed (most often the place: "market bur"), the topic comes first.
    const inside = places.filter((p) => p.inScope).map(placeItem);
    const outside = places.filter((p) => !p.inScope).map(placeItem);
    const topicItems = topics.map(topicItem);
    for (const s of head ? [...topicItems, ...inside, ...outside] : [...inside, ...topicItems, ...outside]) add(s);
    if (places.length || topics.length) break;
  }
  return out;
}
