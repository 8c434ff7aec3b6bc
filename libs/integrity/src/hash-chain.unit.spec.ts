import { createHash } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { GENESIS_HASH, chainHash, verifyChain, type ChainLink, type ChainedEventBody } from './hash-chain.js';

const bodies: ChainedEventBody[] = [
  { type: 'PlanCreated', data: { title: 'Improve multi-agency referrals' }, metadata: { actor: 'lead@example.org' } },
  { type: 'ActionAdded', data: { actionId: 'a1', ref: '1.1', target: '2025-03' }, metadata: { actor: 'lead@example.org' } },
  { type: 'ProgressUpdated', data: { actionId: 'a1', rag: 'amber' }, metadata: { actor: 'officer@example.org', reason: 'staffing' } },
  { type: 'TargetDateSlipped', data: { actionId: 'a1', from: '2025-03', to: '2025-06' }, metadata: { actor: 'lead@example.org' } },
  { type: 'ActionCompleted', data: { actionId: 'a1' }, metadata: { actor: 'lead@example.org' } },
].map((event, revision) => ({
  streamId: 'plan-1',
  revision,
  eventId: `0190a5f0-0000-7000-8000-00000000000${revision}`,
  recordedAt: `2025-01-0${revision + 1}T09:00:00.000Z`,
  ...event,
}));

function buildChain(events: ChainedEventBody[]): ChainLink[] {
  let previousHash = GENESIS_HASH;
  return events.map((body) => {
    const hash = chainHash(previousHash, body);
    const link = { ...body, previousHash, hash };
    previousHash = hash;
    return link;
  });
}

/** A deep copy, so a test can tamper with one link without touching the others. */
function chain(): ChainLink[] {
  return structuredClone(buildChain(bodies));
}

const fields = ['streamId', 'revision', 'eventId', 'type', 'data', 'metadata', 'recordedAt', 'previousHash', 'hash'] as const;
type Field = (typeof fields)[number];

function tamper(link: ChainLink, field: Field): void {
  switch (field) {
    case 'revision':
      link.revision += 100;
      break;
    case 'data':
      (link.data as Record<string, unknown>)['tampered'] = true;
      break;
    case 'metadata':
      (link.metadata as Record<string, unknown>)['actor'] = 'someone-else@example.org';
      break;
    case 'previousHash':
    case 'hash':
      link[field] = `${link[field].slice(0, 63)}${link[field].endsWith('0') ? '1' : '0'}`;
      break;
    default:
      link[field] = `${link[field]}x`;
  }
}

describe('verifyChain', () => {
  it('accepts an untouched chain and reports its length and head', () => {
    const links = chain();
    expect(verifyChain(links)).toEqual({ ok: true, length: 5, head: links[4]!.hash });
  });

  it('accepts an empty stream, whose head is the genesis hash', () => {
    expect(verifyChain([])).toEqual({ ok: true, length: 0, head: GENESIS_HASH });
  });

  it('hashes the 32 raw bytes of the previous hash followed by the RFC 8785 form of the body', () => {
    // Recomputed outside this code base with:
    // (head -c32 /dev/zero; printf '%s' '{"data":{"title":"Improve multi-agency referrals"},"eventId":"0190a5f0-0000-7000-8000-000000000000","metadata":{"actor":"auditor@example.org"},"recordedAt":"2025-01-01T09:00:00.000Z","revision":0,"streamId":"plan-1","type":"PlanCreated"}') | sha256sum
    const body: ChainedEventBody = { ...bodies[0]!, metadata: { actor: 'auditor@example.org' } };
    expect(chainHash(GENESIS_HASH, body)).toBe('c833eef09e0f4cf59d910e1c73b8ee0aa8fb3155a536bba9f3aa163f8f026faa');
  });

  const cases = bodies.flatMap((_, revision) => fields.map((field) => [field, revision] as const));
  it.each(cases)('detects an altered %s at revision %i', (field, revision) => {
    const links = chain();
    tamper(links[revision]!, field);

    const result = verifyChain(links);

    expect(result).toMatchObject({ ok: false, brokenAtRevision: revision, length: revision });
  });

  it.each([0, 1, 2, 3])('detects the removal of revision %i at that revision', (revision) => {
    const links = chain();
    links.splice(revision, 1);
    expect(verifyChain(links)).toMatchObject({ ok: false, brokenAtRevision: revision, problem: expect.stringMatching(/missing or out of order/) });
  });

  it('cannot see the last event removed on its own, but the shorter length and changed head show it against a signed head', () => {
    const links = chain();
    const signedHead = links[4]!.hash;
    const result = verifyChain(links.slice(0, 4));
    expect(result).toEqual({ ok: true, length: 4, head: links[3]!.hash });
    expect(result.ok && result.head).not.toBe(signedHead);
  });

  it.each([0, 1, 2, 3])('detects revisions %i and the next one swapped, at the first of them', (revision) => {
    const links = chain();
    [links[revision], links[revision + 1]] = [links[revision + 1]!, links[revision]!];
    expect(verifyChain(links)).toMatchObject({ ok: false, brokenAtRevision: revision });
  });

  it('detects events renumbered into a different order, at the first moved revision', () => {
    const links = chain();
    // Move revision 3's content to position 1 and renumber, as someone rewriting history might.
    const reordered = [links[0]!, links[3]!, links[1]!, links[2]!, links[4]!].map((link, revision) => ({ ...link, revision }));
    expect(verifyChain(reordered)).toMatchObject({ ok: false, brokenAtRevision: 1 });
  });

  it.each([
    [0, 1],
    [1, 3],
    [2, 4],
  ])('detects the previousHash of revisions %i and %i swapped, at the first of them', (a, b) => {
    const links = chain();
    [links[a]!.previousHash, links[b]!.previousHash] = [links[b]!.previousHash, links[a]!.previousHash];
    expect(verifyChain(links)).toMatchObject({ ok: false, brokenAtRevision: a, problem: expect.stringMatching(/does not point at/) });
  });

  it('detects an altered event whose own hash was recomputed, at the revision after it', () => {
    const links = chain();
    links[2]!.data = { actionId: 'a1', rag: 'green' };
    links[2]!.hash = chainHash(links[2]!.previousHash, links[2]!);
    expect(verifyChain(links)).toMatchObject({ ok: false, brokenAtRevision: 3 });
  });

  it('cannot see history rewritten and re-hashed to the end, but the head no longer matches a signed head', () => {
    const original = chain();
    const rewritten = buildChain(bodies.map((body) => (body.revision === 2 ? { ...body, data: { actionId: 'a1', rag: 'green' } } : body)));
    const result = verifyChain(rewritten);
    expect(result.ok).toBe(true);
    expect(result.ok && result.head).not.toBe(original[4]!.hash);
  });

  it('ignores fields a store adds beyond the chained body, such as a global position', () => {
    const links = chain().map((link, i) => ({ ...link, position: 1000n + BigInt(i) }));
    expect(verifyChain(links)).toMatchObject({ ok: true, length: 5 });
    expect(chainHash(GENESIS_HASH, { ...bodies[0]!, position: 7 } as ChainedEventBody)).toBe(chainHash(GENESIS_HASH, bodies[0]!));
  });

  it('refuses to chain onto a previous hash that is not 64 lowercase hex characters', () => {
    expect(() => chainHash('abc', bodies[0]!)).toThrow(TypeError);
    expect(() => chainHash(GENESIS_HASH.toUpperCase().replace(/0/g, 'A'), bodies[0]!)).toThrow(TypeError);
  });
});

describe('chainHash with a native SHA-256 (how the Node event store hashes)', () => {
  const nodeSha256 = (...parts: readonly Uint8Array[]) => {
    const hash = createHash('sha256');
    for (const part of parts) hash.update(part);
    return new Uint8Array(hash.digest());
  };

  it('gives the same hashes as the pure SHA-256 the verifier uses, for ordinary, non-ASCII and large bodies', () => {
    const large: ChainedEventBody = { ...bodies[0]!, data: { narrative: 'Ré-évaluation 🚸 '.repeat(5_000), rows: Array.from({ length: 300 }, (_, i) => ({ i, x: i / 7 })) } };
    for (const body of [...bodies, large]) {
      expect(chainHash(GENESIS_HASH, body, nodeSha256)).toBe(chainHash(GENESIS_HASH, body));
      expect(chainHash('ab'.repeat(32), body, nodeSha256)).toBe(chainHash('ab'.repeat(32), body));
    }
    // And a chain built natively verifies with the pure verifier.
    let previousHash = GENESIS_HASH;
    const links = bodies.map((body) => {
      const hash = chainHash(previousHash, body, nodeSha256);
      const link = { ...body, previousHash, hash };
      previousHash = hash;
      return link;
    });
    expect(verifyChain(links)).toEqual({ ok: true, length: bodies.length, head: previousHash });
  });
});
