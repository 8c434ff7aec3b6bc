import { configureRagRules, DEFAULT_RAG_RULES, type RagRuleSet } from '#domain';
import { canonicalJson } from '#integrity';

/**
 * The RAG rule versions this build can replay. A bundle names its rules version; replaying it with
 * different rules would re-colour history, so a verifier that does not implement that exact version
 * must say so rather than guess. A deployment's configured variant ("cbc-2012.1+dueSoonDays=21")
 * is accepted when configuring its published base with the bundled settings gives exactly the
 * bundled rule set, version included. When a rule changes, add the new version here and keep the old.
 */
export const PUBLISHED_RAG_RULES: readonly RagRuleSet[] = [DEFAULT_RAG_RULES];

export type PublishedRagRules = { ok: true; rules: RagRuleSet } | { ok: false; problem: string };

export function publishedRagRules(bundled: RagRuleSet): PublishedRagRules {
  const known = PUBLISHED_RAG_RULES.map((r) => r.version).join(', ');
  const exact = PUBLISHED_RAG_RULES.find((rules) => rules.version === bundled.version);
  if (exact) {
    return canonicalJson(exact) === canonicalJson(bundled)
      ? { ok: true, rules: exact }
      : { ok: false, problem: `the bundle's settings for RAG rules version ${bundled.version} differ from the published ones, so its ratings cannot be reproduced` };
  }
  const base = PUBLISHED_RAG_RULES.find((rules) => bundled.version.startsWith(`${rules.version}+`));
  if (base) {
    let derived: RagRuleSet;
    try {
      derived = configureRagRules({ dueSoonDays: bundled.dueSoonDays, ongoingReviewCadence: bundled.ongoingReviewCadence, key: bundled.key }, base);
    } catch (error) {
      return { ok: false, problem: `the bundled settings for RAG rules version ${bundled.version} are not valid: ${(error as Error).message}` };
    }
    if (canonicalJson(derived) === canonicalJson(bundled)) return { ok: true, rules: derived };
    return { ok: false, problem: `RAG rules version ${bundled.version} is not what the published ${base.version} gives with the bundled settings (that would be ${derived.version})` };
  }
  return {
    ok: false,
    problem: `this verifier does not know RAG rules version "${bundled.version}" (it knows ${known}, and versions configured from them); use a verifier that implements that version`,
  };
}
